// A SMART Backend Services client of the server's own authorization server (smart-app-launch
// backend-services.html), as an operator sets one up: a key pair, `ephr-fhir clients add --jwks-file` on the
// benchmark's database, then `client_credentials` with a `private_key_jwt` assertion at /oauth/token. Tokens live
// 5 minutes (LIFETIME.backendToken): `header()` asks for a new one before that.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { projectRoot } from '../../src/project-root';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Ask again once a token is this old (they live 300 s). */
const RENEW_AFTER_MS = 200_000;
const ALG = 'ES384';

export interface ClientSpec {
  clientId: string;
  clinic: string;
  /** The SMART scopes it may be granted and asks for. */
  scope: string;
  roles: string[];
}

/** Where `ephr-fhir` finds the benchmark's database and keys. */
export interface CliDatabase {
  mongodbUri: string;
  dbName: string;
  dataDir: string;
}

/** Runs `ephr-fhir ARGS` (bin/ephr-fhir.js) on the benchmark's database; throws with its output when it fails. */
export function ephrFhir(db: CliDatabase, args: string[]): { stdout: string; ms: number } {
  const started = performance.now();
  const out = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'ephr-fhir.js'), ...args], {
    env: {
      ...process.env,
      MONGODB_URI: db.mongodbUri,
      DB_NAME: db.dbName,
      DATA_DIR: db.dataDir,
      LOG_LEVEL: 'error',
      DEV_UNAUTHENTICATED: '',
    },
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  const ms = performance.now() - started;
  if (out.status !== 0)
    throw new Error(
      `ephr-fhir ${args.slice(0, 2).join(' ')} exited ${out.status}: ${out.stderr || out.stdout}`,
    );
  return { stdout: out.stdout, ms };
}

export class BackendClient {
  private token: { value: string; at: number } | undefined;

  private constructor(
    readonly spec: ClientSpec,
    private readonly kid: string,
    private readonly key: CryptoKey,
  ) {}

  /** A new key pair, registered with `ephr-fhir clients add` (its public half only). */
  static async register(db: CliDatabase, spec: ClientSpec): Promise<BackendClient> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-bench-jwks-'));
    try {
      const file = path.join(dir, `${spec.clientId}.jwks.json`);
      fs.writeFileSync(file, JSON.stringify({ keys: [{ ...jwk, kid, alg: ALG, use: 'sig' }] }));
      ephrFhir(db, [
        'clients',
        'add',
        '--id',
        spec.clientId,
        '--clinic',
        spec.clinic,
        '--scope',
        spec.scope,
        ...(spec.roles.length ? ['--roles', spec.roles.join(',')] : []),
        '--jwks-file',
        file,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return new BackendClient(spec, kid, privateKey);
  }

  /** `{ authorization: 'Bearer …' }` with a token from `serverUrl`'s token endpoint, renewed before it expires. */
  async header(serverUrl: string): Promise<Record<string, string>> {
    if (!this.token || Date.now() - this.token.at > RENEW_AFTER_MS)
      this.token = { value: await this.requestToken(serverUrl), at: Date.now() };
    return { authorization: `Bearer ${this.token.value}` };
  }

  private async requestToken(serverUrl: string): Promise<string> {
    const smart = (await (await fetch(`${serverUrl}/.well-known/smart-configuration`)).json()) as {
      token_endpoint?: string;
    };
    const tokenUrl = smart.token_endpoint;
    if (!tokenUrl) throw new Error('the smart-configuration names no token_endpoint');
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.spec.clientId)
      .setSubject(this.spec.clientId)
      .setAudience(tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 240)
      .setJti(crypto.randomUUID())
      .sign(this.key);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: this.spec.scope,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
      }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; scope?: string; error?: string };
    if (res.status !== 200 || !body.access_token)
      throw new Error(`token for ${this.spec.clientId}: ${res.status} ${JSON.stringify(body)}`);
    if (body.scope !== this.spec.scope)
      throw new Error(`token for ${this.spec.clientId} has scope "${body.scope}", not "${this.spec.scope}"`);
    return body.access_token;
  }
}
