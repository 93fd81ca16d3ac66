import { HttpError } from './http';

/**
 * A route table small enough to read at a glance: literal segments and `:name` parameters, exact
 * match, no wildcards. Knowing which methods a path accepts lets the server answer 405 with an
 * `Allow` header instead of 404, and answer CORS preflights only for real routes.
 */
export interface Route<H> {
  method: string;
  pattern: string;
  handler: H;
}

export interface RouteMatch<H> {
  route: Route<H>;
  params: Record<string, string>;
}

export type RouteLookup<H> =
  | { kind: 'found'; match: RouteMatch<H> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

export class Router<H> {
  readonly #routes: { route: Route<H>; segments: string[] }[] = [];

  add(method: string, pattern: string, handler: H): this {
    this.#routes.push({ route: { method, pattern, handler }, segments: split(pattern) });
    return this;
  }

  lookup(method: string, pathname: string): RouteLookup<H> {
    const segments = split(pathname);
    const allow = new Set<string>();
    for (const entry of this.#routes) {
      const params = matchSegments(entry.segments, segments);
      if (!params) continue;
      if (entry.route.method === method) return { kind: 'found', match: { route: entry.route, params } };
      allow.add(entry.route.method);
    }
    if (allow.size > 0) return { kind: 'method-not-allowed', allow: [...allow].sort() };
    return { kind: 'not-found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const raw: [string, string][] = [];
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string;
    const segment = actual[i] as string;
    if (expected.startsWith(':')) raw.push([expected.slice(1), segment]);
    else if (expected !== segment) return undefined;
  }
  // Decode only once the whole path matched, so a bad escape in a path that is not ours stays a 404.
  const params: Record<string, string> = {};
  for (const [name, segment] of raw) params[name] = decodeSegment(segment);
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_request', 'Malformed percent-encoding in the path');
  }
}
