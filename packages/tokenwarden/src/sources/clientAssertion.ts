/** A private JWK, as key stores and `crypto.subtle.exportKey('jwk')` give it. */
export type PrivateJwk = JsonWebKey & { kid?: string };

/** A private key for `privateKeyJwt`: a WebCrypto `CryptoKey` (usage `sign`) or a private JWK. */
export type AssertionKey = CryptoKey | PrivateJwk;

/** JWS algorithms `privateKeyJwt` signs with (all through WebCrypto). */
export type AssertionAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** How `privateKeyJwt` signs its client assertions (RFC 7523): key id, algorithm, audience, lifetime. */
export interface AssertionOptions {
  /** The key id the server knows the public key by (`kid` header). @default the JWK's `kid`; none for a CryptoKey */
  kid?: string;
  /** @default the JWK's `alg`, else inferred from the key (RSA: RS256, EC: by curve, Ed25519: EdDSA) */
  alg?: AssertionAlgorithm;
  /**
   * What `aud` names: the token endpoint the assertion is sent to, or the issuer identifier (needs
   * `issuer` on the source). @default 'token-endpoint'
   */
  audience?: 'token-endpoint' | 'issuer';
  /** Seconds until the assertion expires. @default 60 */
  lifetime?: number;
  /**
   * More JOSE header parameters, e.g. `{ 'x5t#S256': thumbprint }` (Microsoft Entra ID identifies
   * a certificate credential by its thumbprint, not by `kid`). @default none
   */
  header?: Record<string, string>;
  /** Wall-clock ms for `iat`/`exp`. @default Date.now */
  now?: () => number;
}

interface Signer {
  alg: AssertionAlgorithm;
  key: CryptoKey;
  params: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
}

const HASH = { '256': 'SHA-256', '384': 'SHA-384', '512': 'SHA-512' } as const;
const CURVE_ALG: Record<string, AssertionAlgorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const ALG_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** WebCrypto import and sign parameters for a JWS `alg`. */
function algorithmOf(alg: AssertionAlgorithm): { importParams: RsaHashedImportParams | EcKeyImportParams | AlgorithmIdentifier; signParams: Signer['params'] } {
  if (alg === 'EdDSA') return { importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } };
  const hash = HASH[alg.slice(2) as keyof typeof HASH];
  if (alg.startsWith('RS')) return { importParams: { name: 'RSASSA-PKCS1-v1_5', hash }, signParams: { name: 'RSASSA-PKCS1-v1_5' } };
  if (alg.startsWith('PS')) return { importParams: { name: 'RSA-PSS', hash }, signParams: { name: 'RSA-PSS', saltLength: Number(alg.slice(2)) / 8 } };
  return { importParams: { name: 'ECDSA', namedCurve: ALG_CURVE[alg] as string }, signParams: { name: 'ECDSA', hash } };
}

function inferAlgorithm(key: AssertionKey): AssertionAlgorithm {
  if (isCryptoKey(key)) {
    const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
    const bits = algorithm.hash?.name.slice(4);
    if (algorithm.name === 'RSASSA-PKCS1-v1_5' && bits) return `RS${bits}` as AssertionAlgorithm;
    if (algorithm.name === 'RSA-PSS' && bits) return `PS${bits}` as AssertionAlgorithm;
    if (algorithm.name === 'ECDSA' && algorithm.namedCurve && CURVE_ALG[algorithm.namedCurve]) return CURVE_ALG[algorithm.namedCurve] as AssertionAlgorithm;
    if (algorithm.name === 'Ed25519') return 'EdDSA';
  } else {
    if (typeof key.alg === 'string') return key.alg as AssertionAlgorithm;
    if (key.kty === 'RSA') return 'RS256';
    if (key.kty === 'EC' && key.crv && CURVE_ALG[key.crv]) return CURVE_ALG[key.crv] as AssertionAlgorithm;
    if (key.kty === 'OKP' && key.crv === 'Ed25519') return 'EdDSA';
  }
  // Says which kind of key, never anything of the key itself.
  throw new TypeError('privateKeyJwt: cannot tell the algorithm of this key; pass { alg }');
}

function isCryptoKey(key: AssertionKey): key is CryptoKey {
  return typeof (key as CryptoKey).algorithm === 'object' && typeof (key as CryptoKey).type === 'string';
}

// One import per key object, shared by every assertion signed with it.
const signers = new WeakMap<object, Promise<Signer>>();

function signerFor(key: AssertionKey, alg: AssertionAlgorithm | undefined): Promise<Signer> {
  let signer = signers.get(key);
  if (!signer) {
    const chosen = alg ?? inferAlgorithm(key);
    const { importParams, signParams } = algorithmOf(chosen);
    const imported = isCryptoKey(key)
      ? Promise.resolve(key)
      : crypto.subtle.importKey('jwk', { ...key, key_ops: ['sign'] }, importParams, false, ['sign']);
    signer = imported.then((cryptoKey) => ({ alg: chosen, key: cryptoKey, params: signParams }));
    // A failed import is not cached: the next request tries again (and fails the same way, visibly).
    signer.catch(() => signers.delete(key));
    signers.set(key, signer);
  }
  return signer;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return base64url(bytes);
}

/**
 * A compact JWS client assertion: `iss` = `sub` = client id, `aud` per options, a random `jti`,
 * `iat` now and `exp` `lifetime` seconds later.
 */
export async function signClientAssertion(key: AssertionKey, options: AssertionOptions, clientId: string, tokenEndpoint: string, issuer: string | undefined): Promise<string> {
  const signer = await signerFor(key, options.alg);
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (options.audience === 'issuer' && issuer === undefined) {
    throw new TypeError('privateKeyJwt: audience "issuer" needs the source to be given an issuer');
  }
  const aud = options.audience === 'issuer' ? issuer : tokenEndpoint;
  const payload = { iss: clientId, sub: clientId, aud, jti: randomId(), iat: now, exp: now + (options.lifetime ?? 60) };
  const kid = options.kid ?? (isCryptoKey(key) ? undefined : key.kid);
  const input = `${encodeJson({ ...options.header, alg: signer.alg, typ: 'JWT', kid })}.${encodeJson(payload)}`;
  const signature = await crypto.subtle.sign(signer.params, signer.key, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}
