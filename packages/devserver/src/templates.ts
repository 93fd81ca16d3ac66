/**
 * Token templates: a name selects extra claims and a lifetime, like Clerk's JWT templates. The
 * unnamed token endpoint uses the template called `default`, so `/tokens` and `/tokens/default`
 * are the same thing and the stats have one name for it.
 */
export interface TokenTemplate {
  /** Lifetime in seconds (`exp - iat`). */
  ttl?: number;
  /** Extra claims. Registered and session claims (`sub`, `exp`, `org_id`, ...) cannot be overridden. */
  claims?: Record<string, unknown>;
}

export interface ResolvedTemplate {
  readonly name: string;
  readonly ttl: number;
  readonly claims: Readonly<Record<string, unknown>>;
}

export const DEFAULT_TEMPLATE = 'default';

/** Claims the server owns; a template setting them would make tokens lie about their session. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'sid', 'iat', 'nbf', 'exp', 'jti', 'azp', 'org_id']);

/** The built-in templates. `default` follows the server's `ttl`; the others have fixed lifetimes. */
export function builtInTemplates(defaultTtl: number): Record<string, TokenTemplate> {
  return {
    [DEFAULT_TEMPLATE]: { ttl: defaultTtl, claims: {} },
    supabase: { ttl: 60, claims: { role: 'authenticated', aud: 'authenticated' } },
    short: { ttl: 10, claims: {} },
    long: { ttl: 300, claims: {} },
  };
}

/** Merges overrides over the built-ins (per template, shallowly) and checks every entry. */
export function resolveTemplates(defaultTtl: number, overrides: Record<string, TokenTemplate> = {}): Map<string, ResolvedTemplate> {
  const merged = builtInTemplates(defaultTtl);
  for (const [name, template] of Object.entries(overrides)) merged[name] = { ...merged[name], ...template };
  const resolved = new Map<string, ResolvedTemplate>();
  for (const [name, template] of Object.entries(merged)) {
    if (name === '' || name.includes('/')) throw new TypeError(`Template name ${JSON.stringify(name)} is not a single path segment`);
    const ttl = template.ttl ?? defaultTtl;
    assertTtl(ttl, `template "${name}" ttl`);
    const claims = template.claims ?? {};
    for (const claim of Object.keys(claims)) {
      if (RESERVED_CLAIMS.has(claim)) throw new TypeError(`Template "${name}" may not set the reserved claim "${claim}"`);
    }
    resolved.set(name, { name, ttl, claims: { ...claims } });
  }
  return resolved;
}

export function assertTtl(ttl: number, what: string): void {
  if (!Number.isInteger(ttl) || ttl < 1) throw new TypeError(`${what} must be a positive whole number of seconds, got ${ttl}`);
}
