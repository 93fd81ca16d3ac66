import { randomUUID } from 'node:crypto';
import { signJwt, type SigningKey } from './keys';

export interface MintRequest {
  sub: string;
  sid: string;
  /** Seconds. */
  ttl: number;
  /** Server time in ms (already skewed by the clock-offset fault). */
  now: number;
  /** The browser Origin of the request, as Clerk does: which party the token was issued to. */
  azp?: string | undefined;
  orgId?: string | null | undefined;
  audience?: string | undefined;
  /** Template claims; the session claims below always win. */
  claims?: Readonly<Record<string, unknown>> | undefined;
}

export interface MintedToken {
  jwt: string;
  iat: number;
  exp: number;
}

/** Builds and signs every JWT the server hands out, so session and OAuth tokens share one claim set. */
export class TokenMinter {
  readonly #key: SigningKey;
  readonly #issuer: () => string;

  constructor(key: SigningKey, issuer: () => string) {
    this.#key = key;
    this.#issuer = issuer;
  }

  async mint(request: MintRequest): Promise<MintedToken> {
    const iat = Math.floor(request.now / 1000);
    const exp = iat + request.ttl;
    const payload: Record<string, unknown> = {
      ...request.claims,
      iss: this.#issuer(),
      sub: request.sub,
      sid: request.sid,
      iat,
      nbf: iat,
      exp,
      jti: randomUUID(),
    };
    if (request.azp) payload['azp'] = request.azp;
    if (request.orgId) payload['org_id'] = request.orgId;
    if (request.audience) payload['aud'] = request.audience;
    return { jwt: await signJwt(this.#key, payload), iat, exp };
  }
}
