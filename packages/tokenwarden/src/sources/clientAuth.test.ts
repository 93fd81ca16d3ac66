import { describe, expect, it } from 'vitest';
import { decodeJwt } from '../jwt';
import { clientSecretBasic, clientSecretPost, none, privateKeyJwt } from './clientAuth';

const request = (issuer?: string) => ({
  clientId: 'my client',
  tokenEndpoint: 'https://auth.example.com/oauth/token',
  issuer,
  body: new URLSearchParams(),
  headers: new Headers(),
});

const fromBase64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

describe('client authentication', () => {
  it('none: client_id in the body only', async () => {
    const r = request();
    await none().apply(r);
    expect([...r.body]).toEqual([['client_id', 'my client']]);
    expect(r.headers.has('authorization')).toBe(false);
  });

  it('client_secret_basic form-encodes id and secret before base64 (RFC 6749 2.3.1)', async () => {
    const r = request();
    await clientSecretBasic('s3c:r%t é').apply(r);
    const decoded = atob(r.headers.get('authorization')!.replace(/^Basic /, ''));
    expect(decoded).toBe('my+client:s3c%3Ar%25t+%C3%A9');
    expect([...r.body]).toEqual([]);
  });

  it('client_secret_post: id and secret in the body', async () => {
    const r = request();
    await clientSecretPost('pw').apply(r);
    expect(Object.fromEntries(r.body)).toEqual({ client_id: 'my client', client_secret: 'pw' });
  });

  it('the secret is not reachable from the auth object (JSON, keys)', () => {
    const auth = clientSecretBasic('top-secret-value');
    expect(JSON.stringify(auth)).not.toContain('top-secret-value');
    expect(Object.values(auth).map(String).join()).not.toContain('top-secret-value');
  });
});

describe('privateKeyJwt', () => {
  it('signs a verifiable ES256 assertion: iss = sub = client id, aud = token endpoint, fresh jti, 60 s exp', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const auth = privateKeyJwt(pair.privateKey, { kid: 'k1', header: { 'x5t#S256': 'thumb' }, now: () => 1_700_000_000_000 });
    const first = request();
    const second = request();
    await auth.apply(first);
    await auth.apply(second);
    expect(first.body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = first.body.get('client_assertion')!;
    const [header, payload, signature] = assertion.split('.') as [string, string, string];
    expect(JSON.parse(atob(header))).toEqual({ 'x5t#S256': 'thumb', alg: 'ES256', typ: 'JWT', kid: 'k1' });
    const claims = decodeJwt(assertion);
    expect(claims).toMatchObject({ iss: 'my client', sub: 'my client', aud: 'https://auth.example.com/oauth/token', iat: 1_700_000_000, exp: 1_700_000_060 });
    expect(decodeJwt(second.body.get('client_assertion')!).jti).not.toBe(claims.jti);
    const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, fromBase64url(signature), new TextEncoder().encode(`${header}.${payload}`));
    expect(valid).toBe(true);
  });

  it('takes a private JWK (alg inferred from kty, kid from the JWK) and aud = issuer on request', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', pair.privateKey)), kid: 'from-jwk' };
    const r = request('https://auth.example.com/');
    await privateKeyJwt(jwk, { audience: 'issuer' }).apply(r);
    const [header, payload, signature] = r.body.get('client_assertion')!.split('.') as [string, string, string];
    // exportKey gives alg PS256 for an RSA-PSS SHA-256 key.
    expect(JSON.parse(atob(header))).toMatchObject({ alg: 'PS256', kid: 'from-jwk' });
    expect(decodeJwt(`${header}.${payload}.${signature}`).aud).toBe('https://auth.example.com/');
    const valid = await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pair.publicKey, fromBase64url(signature), new TextEncoder().encode(`${header}.${payload}`));
    expect(valid).toBe(true);
  });

  it('aud = issuer without an issuer is a TypeError; a key of unknown kind asks for alg', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    await expect(privateKeyJwt(pair.privateKey, { audience: 'issuer' }).apply(request())).rejects.toThrow(TypeError);
    await expect(privateKeyJwt({ kty: 'oct', k: 'c2VjcmV0' }).apply(request())).rejects.toThrow(/pass \{ alg \}/);
  });
});
