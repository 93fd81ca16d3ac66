import type { DevServer } from '../../../packages/devserver/src/index';
import type { NetworkSimulator } from '../harness/network';
import type { TimeControl } from '../harness/timeControl';
import type { PeerServer } from '../servers/peerServer';

/** What every adapter gets: the shared network, clock and token servers. */
export interface BenchEnv {
  net: NetworkSimulator;
  time: TimeControl;
  /** The reference devserver (tokenwarden's own token API), minting `ttl`-second tokens. */
  devserver(ttl: number): Promise<DevServer>;
  /** The server speaking each peer's protocol, minting `ttl`-second access tokens. */
  peerServer(ttl: number): Promise<PeerServer>;
}

/** One signed-in app using the library. */
export interface LibrarySession {
  /**
   * The library's own "get a token" call, made the way its documentation tells an app to make it
   * before each API request. Resolves the access token, or null/undefined when signed out.
   */
  getToken(): Promise<string | null | undefined>;
  /** Stops the library's timers and listeners (never signs out: that would be a request). */
  close(): Promise<void>;
  /**
   * Fetches a fresh token now through the library's public API (its forced refresh). Only where a
   * scenario needs it (scenario 6b); exactly one token request.
   */
  refresh?(): Promise<unknown>;
  /**
   * The `server − device` clock offset the library has learned, ms, read through its public
   * surface, with bounds where it keeps them; undefined while it has learned none. Only libraries
   * that learn the server's clock implement it.
   */
  learnedClockOffset?(): LearnedClockOffset | undefined;
}

export interface LearnedClockOffset {
  /** The library's estimate of `server − device`, ms. */
  estimate: number;
  /** Where the library bounds the true offset, ms (only where it keeps bounds). */
  bounds?: { low: number; high: number };
}

export interface DrivenLibrary {
  kind: 'driven';
  id: string;
  /** Display name, e.g. "Supabase". */
  name: string;
  /** npm package and version actually loaded. */
  pkg: string;
  /** The call measured, as an app writes it. */
  call: string;
  /** Configuration choices a skeptic should know about (defaults unless listed). */
  setup: string;
  /** Which local server it talks to (time ratios divide by that server's own round trip). */
  server: 'devserver' | 'peer';
  /** Signs in and returns a session that holds a fresh `ttl`-second token. */
  open(env: BenchEnv, ttl: number): Promise<LibrarySession>;
}

/**
 * A library that could not be driven here: its cells come from its documented (or source-read)
 * rules and are marked as such, never measured numbers.
 */
export interface RulesOnlyLibrary {
  kind: 'rules';
  id: string;
  name: string;
  pkg: string;
  /** Why it is not driven. */
  reason: string;
  /** Per row id: the rule-derived cell text. */
  rules: Record<string, string>;
}

export type Library = DrivenLibrary | RulesOnlyLibrary;
