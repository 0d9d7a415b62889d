// Race-free conditional create on an identifier (storage design: "Conditional create without duplicates"): the
// first writer inserts a lock for the normalised key; a loser finds the winner's resource instead of creating one.
import type { Repository } from './repository';
import { isDuplicateKey } from './errors';

/** A lock whose target never appeared within this time is taken to be left by a writer that died. */
const STALE_MS = 30_000;
const WAIT_MS = 3_000;

export type Claim = { won: true } | { won: false; target: string };

/** Claims `key` for `target` (`Type/id`), or says who holds it once that resource exists. */
export async function claim(repo: Repository, key: string, target: string): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await repo.c.locks.insertOne({ _id: key, target, createdAt: new Date() });
      return { won: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const lock = await repo.c.locks.findOne({ _id: key });
    if (!lock) continue;
    const [type, id] = lock.target.split('/') as [string, string];
    for (const end = Date.now() + WAIT_MS; Date.now() < end; await sleep(25)) {
      const s = await repo.read(type, id);
      if (s && !s.deleted) return { won: false, target: lock.target };
    }
    if (Date.now() - lock.createdAt.getTime() > STALE_MS)
      await repo.c.locks.deleteOne({ _id: key, target: lock.target });
  }
  return { won: true };
}

/** Frees a key whose holder no longer carries it (its identifier changed, or it was deleted). */
export async function release(repo: Repository, key: string): Promise<void> {
  await repo.c.locks.deleteOne({ _id: key });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
