import { webcrypto } from 'node:crypto';

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

export interface TokenSigner {
  sign(payload: Record<string, unknown>): Promise<string>;
}

/**
 * Signs like the devserver does (ES256 through WebCrypto), so each server spends the same work per
 * token and time ratios compare libraries, not servers. The header is labelled RS256 because
 * auth0-spa-js refuses any other label; no browser library verifies signatures (it cannot hold the
 * issuer's key), so the label is never checked against the bytes.
 */
export async function createSigner(): Promise<TokenSigner> {
  const { privateKey } = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])) as CryptoKeyPair;
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'bench' }));
  return {
    async sign(payload) {
      const input = `${header}.${b64url(JSON.stringify(payload))}`;
      const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from(input));
      return `${input}.${b64url(new Uint8Array(signature))}`;
    },
  };
}

/** `exp` (seconds) of a JWT, or undefined when the value is not a JWT. */
export function jwtExp(token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
