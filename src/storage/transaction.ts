// All-or-nothing commit of a transaction Bundle without database transactions (http.html#transaction):
// a pending commit record, then every version marked with it, then one update that is the commit point, then the
// current view. Readers ignore versions of a transaction that has not committed; recovery finishes or undoes
// what a dead writer left.
import crypto from 'node:crypto';
import { OperationOutcomeError } from '../fhir/outcome';
import type { VersionDoc } from './collections';
import { isDuplicateKey } from './errors';
import type { Prepared, Repository } from './repository';

/** How long a writer may hold a transaction before recovery rolls it back. */
export const LEASE_MS = 60_000;

export type WritePrepared = Prepared & { doc: VersionDoc };

/** Thrown when a version key was taken by a concurrent writer; `index` is the position in `writes`. */
export class CommitConflict extends Error {
  constructor(readonly index: number) {
    super(`write ${index} conflicts with a concurrent write`);
  }
}

export async function commitTransaction(repo: Repository, writes: WritePrepared[]): Promise<void> {
  const { faults } = repo;
  if (writes.length === 0) return;
  const { c } = repo;
  const txn = crypto.randomUUID();
  const now = new Date();
  await c.transactions.insertOne({
    _id: txn,
    state: 'pending',
    versions: writes.map((w) => w.doc._id),
    createdAt: now,
    expiresAt: new Date(now.getTime() + LEASE_MS),
  });
  const blobs = writes.flatMap((w) => (w.json === undefined ? [] : [{ _id: w.doc.blob!, json: w.json }]));
  if (blobs.length > 0) await c.blobs.insertMany(blobs, { ordered: false });
  try {
    await c.versions.insertMany(
      writes.map((w) => ({ ...w.doc, txn })),
      { ordered: false },
    );
  } catch (err) {
    await rollback(repo, txn);
    if (!isDuplicateKey(err)) throw err;
    throw new CommitConflict(conflictIndex(err, writes));
  }
  await faults.beforeCommitPoint?.();
  const committed = await c.transactions.updateOne(
    { _id: txn, state: 'pending' },
    { $set: { state: 'committed' } },
  );
  if (committed.matchedCount !== 1) {
    throw new OperationOutcomeError(409, [
      {
        severity: 'error',
        code: 'transient',
        diagnostics: 'The transaction took too long and was rolled back; send it again',
      },
    ]);
  }
  await faults.afterCommitPoint?.();
  await finish(repo, txn, writes);
}

/** After the commit point: the current view, then the record says it is done (recovery redoes what is not). */
async function finish(
  repo: Repository,
  txn: string,
  writes: Array<{ doc: VersionDoc; json?: string }>,
): Promise<void> {
  await repo.materialiseMany(writes);
  await repo.c.transactions.updateOne({ _id: txn }, { $set: { state: 'done' } });
}

/** Aborted first, so readers and writers ignore the versions at once; a missing record also reads as aborted. */
async function rollback(repo: Repository, txn: string): Promise<void> {
  await repo.c.transactions.updateOne({ _id: txn }, { $set: { state: 'aborted' } });
  await repo.c.versions.deleteMany({ txn });
  await repo.c.transactions.deleteOne({ _id: txn });
}

function conflictIndex(err: unknown, writes: WritePrepared[]): number {
  const e = err as { writeErrors?: Array<{ code?: number; index?: number; err?: { index?: number } }> };
  const first = (e.writeErrors ?? []).find((w) => w.code === 11000);
  const index = first?.index ?? first?.err?.index;
  return typeof index === 'number' && index < writes.length ? index : 0;
}

/**
 * Finishes committed transactions whose writer died after the commit point, and rolls back pending ones whose lease
 * expired. Safe to run from several server processes at once.
 */
export async function recoverTransactions(
  repo: Repository,
  now = new Date(),
): Promise<{ rolledBack: number; rolledForward: number }> {
  let rolledBack = 0;
  let rolledForward = 0;
  const stale = await repo.c.transactions
    .find({ state: { $in: ['pending', 'aborted'] }, expiresAt: { $lt: now } })
    .toArray();
  for (const t of stale) {
    await rollback(repo, t._id);
    rolledBack++;
  }
  const committed = await repo.c.transactions.find({ state: 'committed' }).toArray();
  for (const t of committed) {
    const docs = await Promise.all(t.versions.map((k) => repo.c.versions.findOne({ _id: k })));
    const writes = await Promise.all(
      docs
        .flatMap((d) => (d ? [d] : []))
        .map(async (doc) => ({
          doc,
          ...(doc.blob !== undefined && { json: await repo.blobText(doc.blob) }),
        })),
    );
    await finish(repo, t._id, writes);
    rolledForward++;
  }
  return { rolledBack, rolledForward };
}
