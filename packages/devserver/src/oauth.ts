import { HttpError } from './http';
import { randomId } from './ids';

/** RFC 6749 section 5.2 error codes the token endpoint uses. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** An RFC 6749 error body (`error`, `error_description`), plus the server-wide `message`. */
export function oauthError(code: OAuthErrorCode, description: string): HttpError {
  // invalid_client is the only one answered with 401 (section 5.2); everything else is a 400.
  const status = code === 'invalid_client' ? 401 : 400;
  return new HttpError(status, code, description, { extra: { error_description: description } });
}

export type FamilyStatus = 'active' | 'revoked';

/**
 * One chain of rotated refresh tokens, born from one grant. Its id is the `sid` of every access
 * token minted from it, so revoking "a session" works the same for cookies and OAuth.
 */
export interface RefreshFamily {
  readonly id: string;
  readonly userId: string;
  readonly clientId: string;
  readonly scope: string | undefined;
  readonly createdAt: number;
  status: FamilyStatus;
  revokedReason: 'reuse' | 'control' | null;
  /** How many times the family rotated (successful refreshes). */
  rotations: number;
}

interface TokenRecord {
  familyId: string;
  /** Only the newest token of a family is `current`; presenting any older one is reuse. */
  current: boolean;
}

/**
 * Refresh-token rotation with reuse detection (OAuth 2.0 Security BCP, RFC 9700 section 4.14.2):
 * every refresh returns a new token and retires the old one; presenting a retired token means a
 * copy leaked (or a client lost a response), so the whole family is revoked.
 */
export class RefreshTokenFamilies {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #families = new Map<string, RefreshFamily>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  grant(input: { userId: string; clientId: string; scope?: string | undefined }): { refreshToken: string; family: RefreshFamily } {
    const family: RefreshFamily = {
      id: randomId('fam_'),
      userId: input.userId,
      clientId: input.clientId,
      scope: input.scope,
      createdAt: this.#now(),
      status: 'active',
      revokedReason: null,
      rotations: 0,
    };
    this.#families.set(family.id, family);
    return { refreshToken: this.#issue(family.id), family };
  }

  /** The family a presented token belongs to (current or retired), for request accounting. */
  familyOf(refreshToken: string): RefreshFamily | undefined {
    const record = this.#tokens.get(refreshToken);
    return record && this.#families.get(record.familyId);
  }

  /**
   * Retires `refreshToken` and returns its successor, or throws `invalid_grant`. `check` runs after
   * the token was found valid and before it is retired, so a request refused for another reason
   * (say, `invalid_scope`) leaves the client's token usable.
   */
  rotate(refreshToken: string, clientId: string, check?: (family: RefreshFamily) => void): { refreshToken: string; family: RefreshFamily } {
    const record = this.#tokens.get(refreshToken);
    const family = record && this.#families.get(record.familyId);
    if (!record || !family) throw oauthError('invalid_grant', 'Unknown refresh token');
    // Checked before reuse so that another client cannot revoke a family by replaying its token.
    if (family.clientId !== clientId) throw oauthError('invalid_grant', 'Refresh token was issued to another client');
    if (family.status === 'revoked') throw oauthError('invalid_grant', 'Refresh token family is revoked');
    if (!record.current) {
      family.status = 'revoked';
      family.revokedReason = 'reuse';
      throw oauthError('invalid_grant', 'Refresh token was already used; the token family is revoked');
    }
    check?.(family);
    record.current = false;
    family.rotations += 1;
    return { refreshToken: this.#issue(family.id), family };
  }

  get(familyId: string): RefreshFamily | undefined {
    return this.#families.get(familyId);
  }

  revoke(familyId: string): boolean {
    const family = this.#families.get(familyId);
    if (!family) return false;
    if (family.status === 'active') {
      family.status = 'revoked';
      family.revokedReason = 'control';
    }
    return true;
  }

  list(): RefreshFamily[] {
    return [...this.#families.values()];
  }

  #issue(familyId: string): string {
    const token = randomId('rt_', 32);
    this.#tokens.set(token, { familyId, current: true });
    return token;
  }
}
