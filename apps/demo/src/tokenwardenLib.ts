/** The library as the page uses it, in one place (Vite and tsconfig alias `tokenwarden` to its sources). */
export { broadcastCoordinator, createTokenClient, httpTokenSource, OfflineError } from 'tokenwarden';
export type { Coordinator, TokenClient, TokenClientSnapshot, TokenEntrySnapshot, TokenEvent, TokenKey } from 'tokenwarden';
