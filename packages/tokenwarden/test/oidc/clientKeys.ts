/** Key pairs for the `private_key_jwt` client: the private halves for the sources, the public JWKs for the server. */
export interface ClientKeys {
  /** ES256, as a non-extractable-style CryptoKey. */
  es256: CryptoKey;
  /** RS256, as a private JWK (how keys usually arrive from a secret store). */
  rs256: JsonWebKey;
  /** Registered with the server under kids `es` and `rs`. */
  publicJwks: (JsonWebKey & { kid: string })[];
}

export async function clientKeys(): Promise<ClientKeys> {
  const ec = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const rsa = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  return {
    es256: ec.privateKey,
    rs256: await crypto.subtle.exportKey('jwk', rsa.privateKey),
    publicJwks: [
      { ...(await crypto.subtle.exportKey('jwk', ec.publicKey)), kid: 'es', use: 'sig', alg: 'ES256' },
      { ...(await crypto.subtle.exportKey('jwk', rsa.publicKey)), kid: 'rs', use: 'sig', alg: 'RS256' },
    ],
  };
}
