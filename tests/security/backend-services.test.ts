// SMART Backend Services against the server's own authorization server (issue 16, point 2): a client registered as
// the CLI registers it signs an assertion (RS384, ES384), gets a JWT access token for the FHIR base, whose claims and
// signature are checked against the JWKS the discovery document names; replays, long-lived assertions, wrong keys,
// unknown clients and scopes not allowed are refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { registerClient } from '../../src/security/accounts-admin';
import type { TestServer } from '../support/server';
import {
  assertion,
  backendToken,
  jose,
  keyPair,
  postForm,
  startAuthServer,
  ASSERTION_TYPE,
  type KeyPair,
} from './support';

let s: TestServer & { dataDir: string };
let rs: KeyPair;
let es: KeyPair;
let smart: Record<string, unknown>;
let tokenUrl: string;

beforeAll(async () => {
  s = await startAuthServer();
  rs = await keyPair('RS384');
  es = await keyPair('ES384');
  await registerClient(s.running.accounts, {
    clientId: 'ehr-a',
    clinic: 'clinic-a',
    scope: 'system/Patient.rs system/Observation.cruds',
    roles: ['gbv-care'],
    jwks: { keys: [rs.publicJwk, es.publicJwk] },
  });
  const res = await fetch(`${s.url}/.well-known/smart-configuration`);
  expect(res.status).toBe(200);
  smart = (await res.json()) as Record<string, unknown>;
  tokenUrl = smart.token_endpoint as string;
});
afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

describe.each(['RS384', 'ES384'])('a client assertion signed with %s', (alg) => {
  it('gets a JWT access token for the FHIR base with the granted scope and the client clinic and roles', async () => {
    const key = alg === 'RS384' ? rs : es;
    const signed = await assertion(key, { clientId: 'ehr-a', audience: tokenUrl });
    const answer = await backendToken(tokenUrl, signed, 'system/Patient.rs system/Observation.rs');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'system/Patient.rs system/Observation.rs',
    });
    const j = await jose();
    const jwks = j.createRemoteJWKSet(new URL(smart.jwks_uri as string));
    const { payload, protectedHeader } = await j.jwtVerify(answer.body.access_token as string, jwks, {
      issuer: `${s.url}/oauth`,
      audience: s.base,
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({
      scope: 'system/Patient.rs system/Observation.rs',
      clinic: 'clinic-a',
      roles: ['gbv-care'],
      client_id: 'ehr-a',
      sub: 'ehr-a',
    });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(300);
  });
});

it('refuses an assertion whose jti was used before, and one without a jti', async () => {
  const jti = crypto.randomUUID();
  const first = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl, jti }),
    'system/Patient.rs',
  );
  expect(first.status).toBe(200);
  const again = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl, jti }),
    'system/Patient.rs',
  );
  expect(again.status).toBe(401);
  expect(again.body.error).toBe('invalid_client');
  const none = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl, noJti: true }),
    'system/Patient.rs',
  );
  expect([none.status, none.body.error]).toEqual([401, 'invalid_client']);
});

it('refuses one of two concurrent requests with the same assertion', async () => {
  const signed = await assertion(es, { clientId: 'ehr-a', audience: tokenUrl });
  const answers = await Promise.all([
    backendToken(tokenUrl, signed, 'system/Patient.rs'),
    backendToken(tokenUrl, signed, 'system/Patient.rs'),
  ]);
  expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
});

it('refuses an assertion that expires more than 5 minutes from now', async () => {
  const answer = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl, expiresIn: 600 }),
    'system/Patient.rs',
  );
  expect([answer.status, answer.body.error]).toEqual([401, 'invalid_client']);
});

it('refuses an assertion signed with a key the client did not register', async () => {
  const stranger = await keyPair('RS384');
  const answer = await backendToken(
    tokenUrl,
    await assertion({ ...stranger, kid: rs.kid }, { clientId: 'ehr-a', audience: tokenUrl }),
    'system/Patient.rs',
  );
  expect([answer.status, answer.body.error]).toEqual([401, 'invalid_client']);
});

it('refuses an unknown client', async () => {
  const answer = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'nobody', audience: tokenUrl }),
    'system/Patient.rs',
  );
  expect([answer.status, answer.body.error]).toEqual([401, 'invalid_client']);
});

it('drops requested scopes the client is not allowed, and refuses a request left with none', async () => {
  const some = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl }),
    'system/Patient.rs system/Patient.cud system/Condition.rs system/Observation.c',
  );
  expect(some.status).toBe(200);
  expect(some.body.scope).toBe('system/Patient.rs system/Observation.c');
  const none = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl }),
    'system/Condition.rs system/*.rs',
  );
  expect([none.status, none.body.error]).toEqual([400, 'invalid_scope']);
  const malformed = await backendToken(
    tokenUrl,
    await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl }),
    'system/Patient.search',
  );
  expect([malformed.status, malformed.body.error]).toEqual([400, 'invalid_scope']);
});

it('refuses a token for another resource than the FHIR base', async () => {
  const answer = await postForm(tokenUrl, {
    grant_type: 'client_credentials',
    scope: 'system/Patient.rs',
    resource: 'https://elsewhere.example.org/fhir',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(rs, { clientId: 'ehr-a', audience: tokenUrl }),
  });
  expect([answer.status, answer.body.error]).toEqual([400, 'invalid_target']);
});
