import type { RulesOnlyLibrary } from './library';
import { packageVersion } from './packageVersion';

/**
 * Clerk's browser SDK needs its whole Frontend API (environment, client, dev-browser handshake,
 * cookies) before `session.getToken()` exists; emulating that API is a project of its own. Its
 * cells are therefore its rules as read in the installed @clerk/clerk-js source, marked "rule".
 */
export const clerk: RulesOnlyLibrary = {
  kind: 'rules',
  id: 'clerk',
  name: 'Clerk',
  pkg: packageVersion('@clerk/clerk-js'),
  reason: 'not driven: @clerk/clerk-js needs its whole Frontend API; cells are its rules read from the installed source',
  rules: {},
};
