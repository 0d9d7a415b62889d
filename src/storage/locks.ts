// Race-free conditional create on an identifier (storage design: "Conditional create without duplicates"): the
// first writer inserts a lock for the normalised key; a loser finds the winner's resource instead of creating one.
// A win is only ever reported for the insert that took the key: a holder that is still writing makes the others
// wait, and past the wait answer 409, never create a second resource.
import { OperationOutcomeError } from '../fhir/outcome';
import type { Repository } from './repository';
import { isDuplicateKey } from './errors';

/** A lock whose target never appeared within this time is taken to be left by a writer that died. */
const STALE_MS = 30_000;
/** How long a loser waits for the holder's resource to appear (a transaction of the holder may take seconds). */
const WAIT_MS = 5_000;

export type Claim = { won: true } | { won: false; target: string };

/** Claims `key` for `target` (`Type/id`), or says who holds it once that resource exists (even deleted). */
export async function claim(repo: Repository, key: string, target: string): Promise<Claim> {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    try {
      await repo.c.locks.insertOne({ _id: key, target, createdAt: new Date() });
      return { won: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const lock = await repo.c.locks.findOne({ _id: key });
    if (lock?.target === target) return { won: true }; // ours already (claimInOrder took it)
    if (lock) {
      const [type, id] = lock.target.split('/') as [string, string];
      if (await repo.read(type, id)) return { won: false, target: lock.target };
      if (Date.now() - lock.createdAt.getTime() > STALE_MS) {
        await release(repo, key, lock.target);
        continue;
      }
    }
    if (Date.now() > end) break;
    await sleep(25);
  }
  throw new OperationOutcomeError(409, [
    {
      severity: 'error',
      code: 'lock-error',
      diagnostics: `Another request is creating the resource for ${key} right now; try again`,
    },
  ]);
}

/**
 * Claims keys in their sorted order with one ordered insert, which stops at the first key taken; returns how many
 * were won, a prefix of `claims` sorted. Claiming in one order everywhere means that two transactions never each
 * wait for a key the other holds (claim() waits for the holder's resource, which a waiting holder never writes).
 */
export async function claimInOrder(
  repo: Repository,
  claims: Array<{ key: string; target: string }>,
): Promise<number> {
  if (claims.length === 0) return 0;
  const now = new Date();
  try {
    await repo.c.locks.insertMany(
      claims.map((c) => ({ _id: c.key, target: c.target, createdAt: now })),
      { ordered: true },
    );
    return claims.length;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const listed = (err as { writeErrors?: { index?: number } | Array<{ index?: number }> }).writeErrors;
    return (Array.isArray(listed) ? listed[0] : listed)?.index ?? 0;
  }
}

/** Frees a key (only while `target` holds it, when given): its holder failed, or no longer carries it. */
export async function release(repo: Repository, key: string, target?: string): Promise<void> {
  await repo.c.locks.deleteOne(target === undefined ? { _id: key } : { _id: key, target });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
