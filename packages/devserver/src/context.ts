import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './faults';
import type { SigningKey } from './keys';
import type { RefreshTokenFamilies } from './oauth';
import type { SessionStore } from './sessions';
import type { RequestStats } from './stats';
import type { ResolvedTemplate } from './templates';
import type { TokenMinter } from './tokens';

/** Everything one server run holds. Handlers receive it instead of reaching for module state. */
export interface ServerParts {
  readonly keys: readonly SigningKey[];
  readonly minter: TokenMinter;
  readonly templates: ReadonlyMap<string, ResolvedTemplate>;
  readonly sessions: SessionStore;
  readonly families: RefreshTokenFamilies;
  readonly faults: FaultInjector;
  readonly stats: RequestStats;
  /** Lifetime (s) of OAuth access tokens. */
  readonly ttl: number;
  /** The injectable wall clock, ms. */
  now(): number;
  /** The server's own clock: `now()` plus the clock-offset fault. Token endpoints use this one. */
  serverNow(): number;
  /** The public base URL, also the `iss` claim. */
  issuer(): string;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly parts: ServerParts;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;
