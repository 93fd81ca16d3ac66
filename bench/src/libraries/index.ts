import { auth0 } from './auth0';
import { clerk } from './clerk';
import { firebase } from './firebase';
import { keycloak } from './keycloak';
import type { DrivenLibrary, Library } from './library';
import { oidcClient } from './oidcClient';
import { supabase } from './supabase';
import { tokenwarden } from './tokenwarden';

/** Column order of the table and the chart: tokenwarden first, then the peers. */
export const libraries: Library[] = [tokenwarden, supabase, auth0, firebase, oidcClient, keycloak, clerk];
export const drivenLibraries = libraries.filter((library): library is DrivenLibrary => library.kind === 'driven');
