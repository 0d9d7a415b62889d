// The SMART discovery document (smart-app-launch conformance.html) at the server root and under the FHIR base: every
// URL it names answers, it agrees with the provider's own metadata, and with an external issuer it points there.
// The signing keys survive a restart; the token endpoint is rate-limited per client and address.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIMITS } from '../../src/http/oauth';
import { keysFile } from '../../src/security/keys';
import { ASSERTION_TYPE, postForm, startAuthServer } from './support';

const getJson = async (url: string): Promise<Record<string, unknown>> => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

describe("this server's own issuer", () => {
  let s: Awaited<ReturnType<typeof startAuthServer>>;
  beforeAll(async () => {
    s = await startAuthServer();
  });
  afterAll(async () => {
    await s.close();
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  });

  it('serves one document at the root and under the FHIR base, whose every URL resolves', async () => {
    const root = await getJson(`${s.url}/.well-known/smart-configuration`);
    const base = await getJson(`${s.base}/.well-known/smart-configuration`);
    expect(base).toEqual(root);
    expect(root.issuer).toBe(`${s.url}/oauth`);
    expect(root.code_challenge_methods_supported).toEqual(['S256']);
    expect(root.grant_types_supported).toEqual(
      expect.arrayContaining(['client_credentials', 'authorization_code']),
    );
    expect(root.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(root.token_endpoint_auth_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
    expect(root.capabilities).toEqual(
      expect.arrayContaining(['client-confidential-asymmetric', 'permission-v1', 'permission-v2']),
    );
    const urls = ['issuer', 'jwks_uri', 'token_endpoint', 'authorization_endpoint'].map(
      (k) => root[k] as string,
    );
    for (const u of urls) {
      expect(u.startsWith(`${s.url}/`)).toBe(true);
      expect(u.slice('http://'.length)).not.toContain('//');
    }
    const jwks = await getJson(root.jwks_uri as string);
    expect((jwks.keys as unknown[]).length).toBeGreaterThanOrEqual(2);
    // The token endpoint answers an empty POST with an OAuth error; the authorization endpoint answers its missing
    // parameters with its own error page.
    const token = await postForm(root.token_endpoint as string, {});
    expect([token.status, token.body.error]).toEqual([400, 'invalid_request']);
    const auth = await fetch(root.authorization_endpoint as string, { redirect: 'manual' });
    expect(auth.status).toBe(400);
    expect(await auth.text()).toContain('Sign-in error');
  });

  it("agrees with the provider's own OpenID / OAuth metadata", async () => {
    const smart = await getJson(`${s.url}/.well-known/smart-configuration`);
    const own = await getJson(`${s.url}/oauth/.well-known/openid-configuration`);
    for (const k of ['issuer', 'jwks_uri', 'token_endpoint', 'authorization_endpoint'])
      expect(smart[k]).toBe(own[k]);
    for (const k of [
      'code_challenge_methods_supported',
      'token_endpoint_auth_methods_supported',
      'token_endpoint_auth_signing_alg_values_supported',
      'grant_types_supported',
    ])
      expect([...(smart[k] as string[])].sort()).toEqual([...(own[k] as string[])].sort());
  });

  it('publishes public keys only', async () => {
    const jwks = await getJson(`${s.url}/oauth/jwks`);
    for (const k of jwks.keys as Array<Record<string, unknown>>)
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(m);
  });

  it('limits token requests per client and address', async () => {
    const ask = (clientId: string): ReturnType<typeof postForm> =>
      postForm(`${s.url}/oauth/token`, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: 'not.a.jwt',
      });
    for (let i = 0; i < LIMITS.token.limit; i++) expect((await ask('flood')).status).toBe(400);
    const over = await ask('flood');
    expect([over.status, over.body.error]).toEqual([429, 'slow_down']);
    expect((await ask('someone-else')).status).toBe(400);
  });
});

it('keeps its signing keys across a restart with the same data directory (mode 0600)', async () => {
  const first = await startAuthServer();
  const kids = async (url: string): Promise<string[]> =>
    ((await getJson(`${url}/oauth/jwks`)).keys as Array<{ kid: string }>).map((k) => k.kid).sort();
  try {
    const before = await kids(first.url);
    await first.close();
    const again = await startAuthServer({ DATA_DIR: first.dataDir });
    try {
      expect(await kids(again.url)).toEqual(before);
    } finally {
      await again.close();
    }
    expect(fs.statSync(keysFile(first.dataDir)).mode & 0o777).toBe(0o600);
  } finally {
    fs.rmSync(first.dataDir, { recursive: true, force: true });
  }
});

it('with an external issuer, points at that issuer and mounts no provider of its own', async () => {
  const idp = http.createServer((req, res) => {
    const origin = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    if (req.url === '/realms/clinic/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer: `${origin}/realms/clinic`,
          token_endpoint: `${origin}/realms/clinic/token`,
          authorization_endpoint: `${origin}/realms/clinic/auth`,
          jwks_uri: `${origin}/realms/clinic/certs`,
          grant_types_supported: ['authorization_code', 'client_credentials'],
          token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
          code_challenge_methods_supported: ['S256', 'plain'],
        }),
      );
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/realms/clinic`;
  const s = await startAuthServer({ AUTH_ISSUER: issuer });
  try {
    const doc = await getJson(`${s.base}/.well-known/smart-configuration`);
    expect(doc).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/token`,
      authorization_endpoint: `${issuer}/auth`,
      jwks_uri: `${issuer}/certs`,
    });
    expect(doc.capabilities).toContain('client-confidential-asymmetric');
    expect((await fetch(`${s.url}/oauth/jwks`)).status).toBe(404);
    expect(s.running.authorization).toBeUndefined();
  } finally {
    await s.close();
    fs.rmSync(s.dataDir, { recursive: true, force: true });
    await new Promise<void>((r) => idp.close(() => r()));
  }
});
