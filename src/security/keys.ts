// The authorization server's signing keys (RFC 7517 JWK set): an ES256 and an RS256 key made on first start in the
// data directory (oauth/keys.json, mode 0600), read again on every later start, so tokens outlive a restart.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type Jwk = Record<string, unknown> & { kty: string; kid: string; alg: string; use: 'sig' };

export interface SigningKeys {
  /** The private keys, for the provider alone. */
  private: { keys: Jwk[] };
  /** What `jwks_uri` publishes and token verifiers use. */
  public: { keys: Jwk[] };
}

const PUBLIC_MEMBERS: Record<string, string[]> = { EC: ['crv', 'x', 'y'], RSA: ['e', 'n'] };

/** RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order. */
function thumbprint(jwk: Record<string, unknown>): string {
  const members = [...(PUBLIC_MEMBERS[jwk.kty as string] ?? []), 'kty'].sort();
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

function makeKey(alg: 'ES256' | 'RS256'): Jwk {
  const { privateKey } =
    alg === 'ES256'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown> & { kty: string };
  return { ...jwk, kid: thumbprint(jwk), alg, use: 'sig' };
}

function publicPart(jwk: Jwk): Jwk {
  const keep = [...(PUBLIC_MEMBERS[jwk.kty] ?? []), 'kty', 'kid', 'alg', 'use'];
  return Object.fromEntries(keep.map((m) => [m, jwk[m]])) as Jwk;
}

export const keysFile = (dataDir: string): string => path.join(dataDir, 'oauth', 'keys.json');

function read(file: string): { keys: Jwk[] } {
  const set = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys?: Jwk[] };
  if (!Array.isArray(set.keys) || set.keys.length === 0) throw new Error(`${file} holds no keys`);
  return { keys: set.keys };
}

/**
 * The keys of `dataDir`, made there when absent. Two processes starting at once agree: the new file is written
 * aside and linked into place, which fails for the second, which then reads the first one's keys.
 */
export function signingKeys(dataDir: string): SigningKeys {
  const file = keysFile(dataDir);
  let set: { keys: Jwk[] };
  if (fs.existsSync(file)) set = read(file);
  else {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const made = { keys: [makeKey('ES256'), makeKey('RS256')] };
    const aside = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(aside, JSON.stringify(made, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(aside, file);
      set = made;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      set = read(file);
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }
  return { private: set, public: { keys: set.keys.map(publicPart) } };
}
