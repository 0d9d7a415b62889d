// Recovery after a crash, at start-up and from time to time: finish or undo transactions (./transaction.ts) and roll
// the current view forward for single writes that died after their version insert (found by the version log since
// the last completed sweep, so a restart long after the crash still finds them).
import type { Repository } from './repository';
import { recoverTransactions } from './transaction';

const SWEEP_KEY = 'recovery.sweptUntil';
/** Writers still in flight when a sweep starts are left to finish; the next sweep looks back this far. */
const OVERLAP_MS = 60_000;

export interface RecoveryReport {
  rolledBack: number;
  rolledForward: number;
  repairedViews: number;
}

export async function recover(repo: Repository, now = new Date()): Promise<RecoveryReport> {
  const txns = await recoverTransactions(repo, now);
  const mark = await repo.c.meta.findOne({ _id: SWEEP_KEY });
  const since = mark ? new Date((mark.value as Date).getTime() - OVERLAP_MS) : new Date(0);
  const recent = await repo.c.versions
    .find({ lastUpdated: { $gte: since } }, { projection: { type: 1, id: 1, versionId: 1, txn: 1 } })
    .toArray();
  const newest = new Map<string, number>();
  for (const v of recent) {
    if (!(await repo.visible(v))) continue; // an uncommitted transaction's version is not the view's business
    const key = `${v.type}/${v.id}`;
    newest.set(key, Math.max(newest.get(key) ?? 0, v.versionId));
  }
  let repairedViews = 0;
  if (newest.size > 0) {
    const views = await repo.c.resources
      .find({ _id: { $in: [...newest.keys()] } }, { projection: { versionId: 1, pending: 1 } })
      .toArray();
    const have = new Map(views.map((v) => [v._id, v]));
    for (const [key, versionId] of newest) {
      const view = have.get(key);
      if (
        view &&
        view.versionId >= versionId &&
        !(view.pending !== undefined && view.pending > view.versionId)
      )
        continue;
      const slash = key.indexOf('/');
      await repo.converge(key.slice(0, slash), key.slice(slash + 1));
      repairedViews++;
    }
  }
  await repo.c.meta.updateOne({ _id: SWEEP_KEY }, { $set: { value: now } }, { upsert: true });
  return { ...txns, repairedViews };
}
