// Helpers for the authorization server's tests: a server with access control on and a data directory of its own,
// client key pairs, signed client assertions (SMART Backend Services), token requests, and cookies kept by hand.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import { startTestServer, type TestServer } from '../support/server';

export const jose = (): Promise<typeof Jose> => import('jose');

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A test server with access control on (no development caller) and its own data directory for keys. */
export async function startAuthServer(
  env: Record<string, string> = {},
): Promise<TestServer & { dataDir: string }> {
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-authz-'));
  const s = await startTestServer({ DEV_UNAUTHENTICATED: '', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env });
  return { ...s, dataDir };
}

export interface KeyPair {
  alg: string;
  kid: string;
  privateKey: Jose.CryptoKey;
  publicJwk: Jose.JWK;
}

export async function keyPair(alg: 'RS384' | 'ES384'): Promise<KeyPair> {
  const j = await jose();
  const { privateKey, publicKey } = await j.generateKeyPair(alg, { extractable: true });
  const publicJwk = await j.exportJWK(publicKey);
  const kid = await j.calculateJwkThumbprint(publicJwk);
  return { alg, kid, privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

export interface AssertionOptions {
  clientId: string;
  audience: string;
  /** Seconds from now; 240 unless told. */
  expiresIn?: number;
  jti?: string;
  /** Leave the jti out. */
  noJti?: boolean;
}

export async function assertion(key: KeyPair, o: AssertionOptions): Promise<string> {
  const j = await jose();
  const now = Math.floor(Date.now() / 1000);
  const jwt = new j.SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(o.clientId)
    .setSubject(o.clientId)
    .setAudience(o.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expiresIn ?? 240));
  if (!o.noJti) jwt.setJti(o.jti ?? crypto.randomUUID());
  return jwt.sign(key.privateKey);
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function postForm(url: string, form: Record<string, string>): Promise<TokenAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

export async function backendToken(tokenUrl: string, signed: string, scope: string): Promise<TokenAnswer> {
  return postForm(tokenUrl, {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: signed,
  });
}

/** Cookies as a browser keeps them for one site: names to values, updated from each answer's Set-Cookie. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
