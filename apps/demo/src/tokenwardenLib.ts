/**
 * The library as the page uses it, in one place. `httpTokenSource` comes from the sources barrel
 * until the package's main entry exports it.
 */
export { OfflineError, createTokenClient } from 'tokenwarden';
export type { Coordinator, TokenClient, TokenEntrySnapshot, TokenClientSnapshot, TokenEvent, TokenKey } from 'tokenwarden';
export { httpTokenSource } from '../../../packages/tokenwarden/src/sources/index';
