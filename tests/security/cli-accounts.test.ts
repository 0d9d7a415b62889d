// `ephr-fhir clients add|list`, `users add|list` and `token` as a user runs them (bin/ephr-fhir.js in a child
// process) on the database and data directory of a running server: a client the CLI registers gets tokens from the
// server, and the token the CLI prints verifies against the server's published keys.
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';
import { testDatabaseUri } from '../support/server';
import { assertion, backendToken, jose, keyPair, startAuthServer } from './support';

jest.setTimeout(240_000);
const BIN = path.join(projectRoot, 'bin', 'ephr-fhir.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let s: Awaited<ReturnType<typeof startAuthServer>>;
let env: Record<string, string>;

function cli(args: string[], extra: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env, ...extra }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'build.js')], { stdio: 'inherit' });
  const dbName = `t_${crypto.randomBytes(8).toString('hex')}`;
  s = await startAuthServer({ DB_NAME: dbName });
  env = {
    MONGODB_URI: testDatabaseUri(),
    DB_NAME: dbName,
    DATA_DIR: s.dataDir,
    BASE_URL: s.base,
    LOG_LEVEL: 'silent',
    EPHR_PASSWORD: '',
  };
});
afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

it('registers a backend client whose signed assertions then get tokens from the running server', async () => {
  const key = await keyPair('RS384');
  const jwksFile = path.join(os.tmpdir(), `jwks-${crypto.randomUUID()}.json`);
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
  try {
    const add = await cli([
      'clients',
      'add',
      '--id',
      'ehr-cli',
      '--clinic',
      'clinic-b',
      '--scope',
      'system/Patient.rs system/Observation.rs',
      '--jwks-file',
      jwksFile,
      '--roles',
      'gbv-care',
    ]);
    expect([add.code, add.stdout]).toEqual([
      0,
      'client ehr-cli added: clinic clinic-b, scope "system/Patient.rs system/Observation.rs"\n',
    ]);
    const again = await cli([
      'clients',
      'add',
      '--id',
      'ehr-cli',
      '--clinic',
      'c',
      '--scope',
      'system/*.rs',
      '--jwks-file',
      jwksFile,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('client ehr-cli exists already');
  } finally {
    fs.rmSync(jwksFile, { force: true });
  }
  const tokenUrl = `${s.url}/oauth/token`;
  const answer = await backendToken(
    tokenUrl,
    await assertion(key, { clientId: 'ehr-cli', audience: tokenUrl }),
    'system/Patient.rs',
  );
  expect(answer.status).toBe(200);
  const list = await cli(['clients', 'list']);
  expect(list.stdout).toMatch(/^ehr-cli\tclinic=clinic-b\troles=gbv-care\t/m);
});

it('refuses a client without keys, a private key, and an unknown role (exit 2, nothing stored)', async () => {
  const noKeys = await cli(['clients', 'add', '--id', 'x1', '--clinic', 'c', '--scope', 'system/*.rs']);
  expect(noKeys.code).toBe(2);
  expect(noKeys.stderr).toContain('--jwks-file or --jwks-url');
  const secret = await keyPair('ES384');
  const j = await jose();
  const privateJwk = await j.exportJWK(secret.privateKey);
  const file = path.join(os.tmpdir(), `jwks-${crypto.randomUUID()}.json`);
  fs.writeFileSync(file, JSON.stringify({ keys: [privateJwk] }));
  try {
    const leaked = await cli([
      'clients',
      'add',
      '--id',
      'x2',
      '--clinic',
      'c',
      '--scope',
      'system/*.rs',
      '--jwks-file',
      file,
    ]);
    expect(leaked.code).toBe(2);
    expect(leaked.stderr).toContain('private key material');
  } finally {
    fs.rmSync(file, { force: true });
  }
  const role = await cli([
    'clients',
    'add',
    '--id',
    'x3',
    '--clinic',
    'c',
    '--scope',
    'system/*.rs',
    '--jwks-url',
    'https://ehr.example.org/jwks',
    '--roles',
    'superuser',
  ]);
  expect(role.code).toBe(2);
  expect(role.stderr).toContain('unknown role "superuser"');
  const list = await cli(['clients', 'list']);
  expect(list.stdout).not.toMatch(/^x[123]\t/m);
});

it('adds accounts with the password from EPHR_PASSWORD or standard input, never storing the password', async () => {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const a = await cli(
    [
      'users',
      'add',
      '--username',
      'doc1',
      '--clinic',
      'clinic-b',
      '--scope',
      'user/*.rs',
      '--roles',
      'gbv-care',
    ],
    { EPHR_PASSWORD: password },
  );
  expect([a.code, a.stderr]).toEqual([0, expect.not.stringContaining(password)]);
  const b = await cli(
    ['users', 'add', '--username', 'doc2', '--clinic', 'clinic-b', '--scope', 'user/*.rs'],
    {},
    `${password}\n`,
  );
  expect(b.code).toBe(0);
  const short = await cli(
    ['users', 'add', '--username', 'doc3', '--clinic', 'clinic-b', '--scope', 'user/*.rs'],
    {
      EPHR_PASSWORD: 'short',
    },
  );
  expect(short.code).toBe(2);
  expect(short.stderr).toContain('12 characters');
  const list = await cli(['users', 'list']);
  expect(list.stdout).toBe(
    'doc1\tclinic=clinic-b\troles=gbv-care\tscope="user/*.rs"\ndoc2\tclinic=clinic-b\troles=-\tscope="user/*.rs"\n',
  );
  const stored = await s.running.db.collection('auth_accounts').find({}).toArray();
  expect(JSON.stringify(stored)).not.toContain(password);
  expect(stored.length).toBeGreaterThanOrEqual(3);
});

it('prints a token of the admin-cli client that verifies against the server keys', async () => {
  const j = await jose();
  const jwks = j.createRemoteJWKSet(new URL(`${s.url}/oauth/jwks`));
  const verify = async (token: string): Promise<Record<string, unknown>> =>
    (await j.jwtVerify(token.trim(), jwks, { issuer: `${s.url}/oauth`, audience: s.base })).payload;

  const plain = await cli(['token']);
  expect(plain.code).toBe(0);
  expect(await verify(plain.stdout)).toMatchObject({
    client_id: 'admin-cli',
    sub: 'admin-cli',
    scope: 'system/*.cruds',
    clinic: 'local',
    roles: [],
  });
  const asked = await cli([
    'token',
    '--scope',
    'system/Observation.rs',
    '--clinic',
    'org-9',
    '--roles',
    'gbv-care',
    '--minutes',
    '5',
  ]);
  expect(asked.code).toBe(0);
  const payload = await verify(asked.stdout);
  expect(payload).toMatchObject({ scope: 'system/Observation.rs', clinic: 'org-9', roles: ['gbv-care'] });
  expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  const bad = await cli(['token', '--roles', 'superuser']);
  expect([bad.code, bad.stdout]).toEqual([2, '']);
});
