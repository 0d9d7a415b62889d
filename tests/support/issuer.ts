// An external OpenID Connect issuer for tests of the AUTH_ISSUER path: real keys, a real discovery document and
// JWKS over HTTP, and tokens signed as Keycloak or Azure AD would sign them (the server under test fetches and
// verifies them exactly as in a deployment).
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface TestIssuer {
  url: string;
  /** The audience tokens name unless told otherwise (the FHIR base of the server under test). */
  audience: string;
  /** A token for `audience` with these claims (scope, clinic, roles, patient, sub, client_id …). */
  token(
    claims: Record<string, unknown>,
    opts?: { expiresIn?: string; audience?: string; key?: 'other' },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-1', alg: 'ES256', use: 'sig' };
  const server = http.createServer((req, res) => {
    const send = (body: object): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') send({ issuer: url, jwks_uri: `${url}/jwks` });
    else if (req.url === '/jwks') send({ keys: [jwk] });
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer: TestIssuer = {
    url,
    audience: '',
    token: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'test-1', typ: 'at+jwt' })
        .setIssuer(url)
        .setAudience(opts.audience ?? issuer.audience)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .setExpirationTime(opts.expiresIn ?? '5m')
        .sign(opts.key === 'other' ? other.privateKey : privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return issuer;
}
