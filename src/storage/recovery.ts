// Recovery after a crash, at start-up and from time to time: finish or undo transactions (./transaction.ts) and roll
// the current view forward for single writes that died after their version insert. Both are found in the journal
// of writes in flight (./journal.ts), which stays small, so a sweep reads no more when the database grows.
import type { JournalDoc } from './collections';
import type { Repository } from './repository';
import { dropEntry, openEntries } from './journal';
import { recoverTransactions } from './transaction';

/** Writers still in flight when a sweep starts are left to finish; the next sweep looks back this far. */
const OVERLAP_MS = 60_000;

export interface RecoveryReport {
  rolledBack: number;
  rolledForward: number;
  repairedViews: number;
}

export async function recover(repo: Repository, now = new Date()): Promise<RecoveryReport> {
  const journal = await openEntries(repo.c); // read once: transactions and single writes
  const txns = await recoverTransactions(repo, now, journal);
  const touched = await journalled(repo, journal, now);
  let repairedViews = 0;
  if (touched.size > 0) {
    const views = await repo.c.resources
      .find({ _id: { $in: [...touched.keys()] } }, { projection: { versionId: 1, pending: 1 } })
      .toArray();
    const have = new Map(views.map((v) => [v._id, v]));
    for (const [key, type] of touched) {
      const view = have.get(key);
      const id = key.slice(type.length + 1);
      const behind =
        !view ||
        (view.pending !== undefined && view.pending > view.versionId) ||
        ((await repo.latestVersion(type, id, view.versionId))?.versionId ?? 0) > view.versionId;
      if (!behind) continue;
      await repo.converge(type, id);
      repairedViews++;
    }
  }
  return { ...txns, repairedViews };
}

/** `Type/id` -> type of the single writes in the journal; entries past the overlap are done with after this sweep. */
async function journalled(repo: Repository, journal: JournalDoc[], now: Date): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of journal) {
    if (e.kind !== 'write' || e.type === undefined || e.id === undefined) continue;
    out.set(`${e.type}/${e.id}`, e.type);
    // A younger entry may belong to a writer still between it and its version: look again next time.
    if (e.at.getTime() < now.getTime() - OVERLAP_MS) await dropEntry(repo.c, e);
  }
  return out;
}
