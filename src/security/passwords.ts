// Password hashing for local accounts: scrypt (RFC 7914, memory-hard, in Node's crypto), with its salt and cost
// parameters stored beside the hash, compared in constant time.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { PasswordHash } from '../storage';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/** OWASP's scrypt setting N=2^15, r=8, p=3 (32 MiB, about 0.1-0.2 s here). */
const COST = { N: 2 ** 15, r: 8, p: 3, keylen: 32 };
const maxmem = (h: { N: number; r: number }): number => 256 * h.N * h.r;

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize('NFC'), salt, COST.keylen, {
    ...COST,
    maxmem: maxmem(COST),
  });
  return { alg: 'scrypt', ...COST, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  if (stored.alg !== 'scrypt') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await scrypt(password.normalize('NFC'), Buffer.from(stored.salt, 'base64'), stored.keylen, {
    N: stored.N,
    r: stored.r,
    p: stored.p,
    maxmem: maxmem(stored),
  });
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** A hash no password matches (random salt and hash), checked for an unknown username so that both take as long. */
let decoy: Promise<PasswordHash> | undefined;
export function decoyHash(): Promise<PasswordHash> {
  return (decoy ??= hashPassword(crypto.randomBytes(32).toString('base64')));
}

/** Passwords a person can choose and we accept: 12 characters at least (NIST SP 800-63B asks 8; a clinic's data). */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < 12) return 'a password needs 12 characters at least';
  if ([...password].length > 256) return 'a password has 256 characters at most';
  return undefined;
}
