import type { RulesOnlyLibrary } from './library';
import { packageVersion } from './packageVersion';

/**
 * Clerk's browser SDK needs its whole Frontend API (environment, client, dev-browser handshake,
 * cookies) before `session.getToken()` exists; emulating that API is a project of its own. Its
 * cells are therefore its rules as read in the installed @clerk/clerk-js build (session token
 * cache and `Session._getToken`), marked "rule" in the table, never measured numbers.
 */
export const clerk: RulesOnlyLibrary = {
  kind: 'rules',
  id: 'clerk',
  name: 'Clerk',
  pkg: packageVersion('@clerk/clerk-js'),
  reason: 'not driven: @clerk/clerk-js needs its whole Frontend API (environment, client, dev-browser handshake); no rule gives this figure',
  rules: {
    'cold-10': '1 (pending token promise cached per key)',
    'cold-100': '1 (pending token promise cached per key)',
    'cold-1000': '1 (pending token promise cached per key)',
    'cold-10000': '1 (pending token promise cached per key)',
    'offline-valid': 'cached token while > 5 s left',
    'offline-none': 'fetches, then throws network_error when navigator is offline',
    hour: '≈1.4× (background refresh at exp − 17 s)',
    'skew-requests': 'a request per call: entries with exp − local now ≤ 5 s are dropped',
    'skew-expired': '0 (refetches instead of serving)',
  },
};
