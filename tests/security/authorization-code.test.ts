// Authorization code + PKCE for clinicians' local accounts (issue 16, point 2) as a browser does it, with fetch and
// cookies kept by hand: the sign-in form, a wrong password refused with one generic message, failed sign-ins
// rate-limited per account, the code exchanged for a JWT access token whose scope is what both the application
// and the account are allowed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { registerClient, registerUser } from '../../src/security/accounts-admin';
import { LIMITS } from '../../src/http/oauth';
import type { TestServer } from '../support/server';
import { CookieJar, jose, postForm, startAuthServer } from './support';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'correct horse battery staple';

let s: TestServer & { dataDir: string };

beforeAll(async () => {
  s = await startAuthServer();
  await registerClient(s.running.accounts, {
    clientId: 'clinic-app',
    clinic: 'clinic-a',
    scope: 'user/*.cruds',
    redirectUris: [REDIRECT],
  });
  for (const username of ['nurse1', 'nurse2'])
    await registerUser(
      s.running.accounts,
      { username, clinic: 'clinic-a', scope: 'user/*.rs', roles: ['gbv-care'] },
      PASSWORD,
    );
});
afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

const pkce = (): { verifier: string; challenge: string } => {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
};

interface Step {
  res: Response;
  url: string;
}

/** Follows redirects by hand (keeping cookies) until a page, or a redirect to the application. */
async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Step> {
  let current = url;
  let res = await fetch(current, {
    ...init,
    redirect: 'manual',
    headers: { ...init.headers, cookie: jar.header() },
  });
  jar.take(res);
  while (res.status >= 300 && res.status < 400) {
    const next = new URL(res.headers.get('location')!, current).href;
    if (next.startsWith(REDIRECT)) return { res, url: next };
    current = next;
    res = await fetch(current, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
  }
  return { res, url: current };
}

function authorizeUrl(challenge: string | undefined, scope: string): string {
  const q = new URLSearchParams({
    client_id: 'clinic-app',
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    state: 'st-1',
    ...(challenge !== undefined && { code_challenge: challenge, code_challenge_method: 'S256' }),
  });
  return `${s.url}/oauth/auth?${q.toString()}`;
}

async function signIn(jar: CookieJar, formPage: Step, username: string, password: string): Promise<Step> {
  const html = await formPage.res.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(action).toMatch(/^\/oauth\/interaction\/[^/]+\/login$/);
  return browse(jar, new URL(action!, s.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
}

it('signs a clinician in and issues a token with the scopes both the application and the account allow', async () => {
  const jar = new CookieJar();
  const { verifier, challenge } = pkce();
  const page = await browse(jar, authorizeUrl(challenge, 'user/Patient.rs user/Observation.cruds'));
  expect(page.res.status).toBe(200);
  expect(page.res.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:9");
  const wrong = await signIn(jar, page, 'nurse1', 'not the password!');
  expect(wrong.res.status).toBe(401);
  const wrongHtml = await wrong.res.text();
  expect(wrongHtml).toContain('Wrong username or password.');
  expect(wrongHtml).not.toMatch(/<script/i);
  const unknown = await signIn(jar, { res: new Response(wrongHtml), url: wrong.url }, 'nobody', PASSWORD);
  expect(unknown.res.status).toBe(401);
  expect(await unknown.res.text()).toContain('Wrong username or password.');

  const done = await signIn(jar, { res: new Response(wrongHtml), url: wrong.url }, 'nurse1', PASSWORD);
  const back = new URL(done.url);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe('st-1');
  const code = back.searchParams.get('code');
  expect(code).toBeTruthy();

  const bad = await postForm(`${s.url}/oauth/token`, {
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: REDIRECT,
    client_id: 'clinic-app',
    code_verifier: pkce().verifier,
  });
  expect([bad.status, bad.body.error]).toEqual([400, 'invalid_grant']);

  // The right verifier redeems the code the wrong one could not.
  const token = await postForm(`${s.url}/oauth/token`, {
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: REDIRECT,
    client_id: 'clinic-app',
    code_verifier: verifier,
  });
  expect(token.status).toBe(200);
  expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'user/Patient.rs' });
  const j = await jose();
  const { payload } = await j.jwtVerify(
    token.body.access_token as string,
    j.createRemoteJWKSet(new URL(`${s.url}/oauth/jwks`)),
    { issuer: `${s.url}/oauth`, audience: s.base },
  );
  expect(payload).toMatchObject({
    sub: 'nurse1',
    client_id: 'clinic-app',
    clinic: 'clinic-a',
    roles: ['gbv-care'],
    scope: 'user/Patient.rs',
  });
  expect(payload.exp! - payload.iat!).toBe(3600);
  const replayed = await postForm(`${s.url}/oauth/token`, {
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: REDIRECT,
    client_id: 'clinic-app',
    code_verifier: verifier,
  });
  expect([replayed.status, replayed.body.error]).toEqual([400, 'invalid_grant']);
});

it('requires PKCE: an authorization request without a code challenge is refused', async () => {
  const jar = new CookieJar();
  const step = await browse(jar, authorizeUrl(undefined, 'user/Patient.rs'));
  const back = new URL(step.url);
  expect(back.searchParams.get('error')).toBe('invalid_request');
  expect(back.searchParams.get('code')).toBeNull();
});

it('rate-limits failed sign-ins per account: once over the limit, even the right password is refused', async () => {
  const jar = new CookieJar();
  const page = await browse(jar, authorizeUrl(pkce().challenge, 'user/Patient.rs'));
  let html = await page.res.text();
  for (let i = 0; i < LIMITS.loginPerAccount.limit; i++) {
    const wrong = await signIn(
      jar,
      { res: new Response(html), url: page.url },
      'nurse2',
      `wrong password ${i}`,
    );
    expect(wrong.res.status).toBe(401);
    html = await wrong.res.text();
  }
  const limited = await signIn(jar, { res: new Response(html), url: page.url }, 'nurse2', PASSWORD);
  expect(limited.res.status).toBe(429);
  // Another account from the same address is not locked by nurse2's failures (the address limit is higher).
  const other = await signIn(jar, { res: new Response(html), url: page.url }, 'nurse1', PASSWORD);
  expect(new URL(other.url).searchParams.get('code')).toBeTruthy();
});
