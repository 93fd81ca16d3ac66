import type { TokenKey } from 'tokenwarden';

/** One key the page keeps reading, so its whole lifecycle stays visible. */
export interface DemoKey {
  /** Stable id for the DOM (`data-key`) and for lookups. */
  readonly id: string;
  readonly label: string;
  /** What kind of key this is, in a few words. */
  readonly kind: string;
  readonly key: TokenKey;
}

/**
 * The session token, a template (a different lifetime and claims) and an organization token of
 * the default template: three keys of one session that refresh on their own schedules.
 */
export const DEMO_KEYS: readonly DemoKey[] = [
  { id: 'default', label: 'default', kind: 'session token', key: {} },
  { id: 'supabase', label: 'supabase', kind: 'template', key: { template: 'supabase' } },
  { id: 'org', label: 'org_acme', kind: 'organization', key: { organizationId: 'org_acme' } },
];

/** Same key by value: the engine hands back its own copies of keys in events and snapshots. */
export function sameKey(a: TokenKey, b: TokenKey): boolean {
  return a.template === b.template && a.organizationId === b.organizationId && a.audience === b.audience;
}

/** The demo key an engine key belongs to, if the page tracks it. */
export function findDemoKey(key: TokenKey | undefined, keys: readonly DemoKey[] = DEMO_KEYS): DemoKey | undefined {
  return key === undefined ? undefined : keys.find((candidate) => sameKey(candidate.key, key));
}

/** A readable name for any key, tracked or not (e.g. one another tab shared). */
export function keyLabel(key: TokenKey | undefined, keys: readonly DemoKey[] = DEMO_KEYS): string {
  if (key === undefined) return 'all keys';
  const known = findDemoKey(key, keys);
  if (known) return known.label;
  const parts = [key.template ?? 'default'];
  if (key.organizationId !== undefined) parts.push(key.organizationId === null ? 'personal' : key.organizationId);
  if (key.audience !== undefined) parts.push(`aud ${key.audience}`);
  return parts.join(' / ');
}
