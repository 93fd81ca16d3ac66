import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** The one signing key of a server run. A fresh pair per start: no key material ever touches disk. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly privateKey: PrivateKey;
  /** Public half as published in the JWKS (`kid`, `alg`, `use` set). */
  readonly publicJwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  // RFC 7638 thumbprint: a kid that is stable for the key and unique across restarts.
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg: 'ES256', privateKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

export function jwksDocument(keys: readonly SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}

/** Signs a payload whose registered claims (`iat`, `exp`, ...) the caller has already set. */
export function signJwt(key: SigningKey, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}
