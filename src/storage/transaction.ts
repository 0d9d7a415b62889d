// All-or-nothing commit of a transaction Bundle without database transactions (http.html#transaction):
// a pending commit record, then every version marked with it, then one update that is the commit point, then the
// current view. Readers ignore versions of a transaction that has not committed; recovery finishes or undoes
// what a dead writer left.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Collection } from 'mongodb';
import { OperationOutcomeError } from '../fhir/outcome';
import type { JournalDoc, TransactionDoc, VersionDoc } from './collections';
import { isDuplicateKey } from './errors';
import { addSlots } from './identifiers';
import { addPostings } from './references';
import { closeTransaction, dropEntry, journalTransaction } from './journal';
import type { Faults, Prepared, Repository } from './repository';

/** How long a writer may hold a transaction before recovery rolls it back. */
export const LEASE_MS = 60_000;

export type WritePrepared = Prepared & { doc: VersionDoc };

/** Thrown when a version key was taken by a concurrent writer; `index` is the position in `writes`. */
export class CommitConflict extends Error {
  constructor(readonly index: number) {
    super(`write ${index} conflicts with a concurrent write`);
  }
}

/** A commit record that names the process writing it, so recovery can tell a dead writer from a slow one. */
type OwnedTransactionDoc = TransactionDoc & { owner?: Owner };

/** Test-only: runs after the checks, before anything of the transaction is written (a concurrent writer may win). */
type TransactionFaults = Faults & { beforeTransactionWrites?: () => void | Promise<void> };

const records = (repo: Repository): Collection<OwnedTransactionDoc> => repo.c.transactions;

export async function commitTransaction(repo: Repository, writes: WritePrepared[]): Promise<void> {
  const faults: TransactionFaults = repo.faults;
  if (writes.length === 0) return;
  const { c } = repo;
  const txn = crypto.randomUUID();
  await faults.beforeTransactionWrites?.();
  await journalTransaction(c, txn); // first: recovery finds the record through it
  const now = new Date();
  await records(repo).insertOne({
    _id: txn,
    state: 'pending',
    versions: writes.map((w) => w.doc._id),
    createdAt: now,
    expiresAt: new Date(now.getTime() + LEASE_MS),
    owner: THIS_PROCESS,
  });
  // Texts that do not sit in their versions (repository.ts, INLINE_TEXT_CHARS) go to blobs first.
  const blobs = writes.flatMap((w) =>
    w.json === undefined || w.doc.json !== undefined ? [] : [{ _id: w.doc.blob!, json: w.json }],
  );
  const slots = writes.flatMap((w) => (w.slots ?? []).map((key) => ({ key, id: w.doc.id })));
  await Promise.all([
    blobs.length > 0 ? c.blobs.insertMany(blobs, { ordered: false }) : undefined,
    addSlots(c, repo.co, slots),
    addPostings(
      c,
      repo.co,
      writes.flatMap((w) => w.postings ?? []),
    ),
  ]);
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
  for (const w of writes) if (w.json !== undefined) repo.texts.set(w.doc.blob!, w.json);
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
  await closeTransaction(repo.c, txn);
}

/**
 * Aborted first, so readers and writers ignore the versions at once; a missing record also reads as aborted. Only a
 * pending (or already aborted) record is rolled back: one that reached its commit point meanwhile is left alone.
 */
async function rollback(repo: Repository, txn: string): Promise<boolean> {
  const aborted = await repo.c.transactions.updateOne(
    { _id: txn, state: 'pending' },
    { $set: { state: 'aborted' } },
  );
  if (aborted.matchedCount === 0) {
    const t = await repo.c.transactions.findOne({ _id: txn }, { projection: { state: 1 } });
    if (t && t.state !== 'aborted') return false;
  }
  await repo.c.versions.deleteMany({ txn });
  await repo.c.transactions.deleteOne({ _id: txn });
  await closeTransaction(repo.c, txn);
  return true;
}

function conflictIndex(err: unknown, writes: WritePrepared[]): number {
  const e = err as { writeErrors?: Array<{ code?: number; index?: number; err?: { index?: number } }> };
  const first = (e.writeErrors ?? []).find((w) => w.code === 11000);
  const index = first?.index ?? first?.err?.index;
  return typeof index === 'number' && index < writes.length ? index : 0;
}

/**
 * Finishes committed transactions whose writer died after the commit point, and rolls back pending ones whose lease
 * expired or whose writer is known to be dead (./owner.ts: a process of this machine and pid namespace that no longer
 * runs). A pending record of a writer that may be alive elsewhere waits for its lease. Safe to run from several
 * server processes at once.
 */
export async function recoverTransactions(
  repo: Repository,
  now = new Date(),
  /** The journal's entries (journal.ts); none for a database from before it, whose records are found by state. */
  journal?: JournalDoc[],
): Promise<{ rolledBack: number; rolledForward: number }> {
  let rolledBack = 0;
  let rolledForward = 0;
  for (const t of await unfinished(repo, now, journal)) {
    if (t.state === 'committed') {
      const docs = await Promise.all(t.versions.map((k) => repo.c.versions.findOne({ _id: k })));
      const writes = await Promise.all(
        docs
          .flatMap((d) => (d ? [d] : []))
          .map(async (doc) => ({
            doc,
            ...(doc.blob !== undefined && { json: await repo.textOf(doc) }),
          })),
      );
      await finish(repo, t._id, writes);
      rolledForward++;
    } else if (t.expiresAt.getTime() < now.getTime() || deadOwner(t.owner)) {
      // pending or aborted, and its writer is past its lease or gone
      if (await rollback(repo, t._id)) rolledBack++;
    }
  }
  return { rolledBack, rolledForward };
}

/** Commit records not yet done: the journal's, each read by `_id`; entries of finished ones are dropped. */
async function unfinished(
  repo: Repository,
  now: Date,
  journal: JournalDoc[] | undefined,
): Promise<OwnedTransactionDoc[]> {
  if (!journal)
    return records(repo)
      .find({ state: { $in: ['pending', 'aborted', 'committed'] } })
      .toArray();
  const out: OwnedTransactionDoc[] = [];
  for (const e of journal) {
    if (e.kind !== 'transaction' || e.txn === undefined) continue;
    const t = await records(repo).findOne({ _id: e.txn });
    if (t && t.state !== 'done') out.push(t);
    // No record: not inserted yet (its writer may still be starting) or rolled back; past a lease, it is neither.
    else if (t || e.at.getTime() < now.getTime() - LEASE_MS) await dropEntry(repo.c, e);
  }
  return out;
}

// Who writes a transaction: enough to prove, from another process, that the writer is dead. A pid says something
// only inside its own pid namespace on a running kernel: the owner names both, so a process on another machine, in
// another container, or after a reboot never takes a live writer for a dead one.
export interface Owner {
  /** One per server process; tells a restarted process from the one that had its pid. */
  instance: string;
  /** The kernel's boot id (Linux), or empty where unknown. */
  boot: string;
  /** The pid namespace (Linux), or empty where unknown. */
  pidns: string;
  pid: number;
}

const read = (f: () => string): string => {
  try {
    return f().trim();
  } catch {
    return '';
  }
};

export const THIS_PROCESS: Owner = {
  instance: crypto.randomUUID(),
  boot: read(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
  pidns: read(() => fs.readlinkSync('/proc/self/ns/pid')),
  pid: process.pid,
};

/** True only when `owner` is provably gone: same kernel boot and pid namespace, and its pid runs no more (or is us). */
export function deadOwner(owner: Owner | undefined): boolean {
  if (!owner || owner.instance === THIS_PROCESS.instance) return false;
  if (THIS_PROCESS.boot === '' || THIS_PROCESS.pidns === '') return false;
  if (owner.boot !== THIS_PROCESS.boot || owner.pidns !== THIS_PROCESS.pidns) return false;
  if (owner.pid === THIS_PROCESS.pid) return true; // our pid, another instance: that process has exited
  try {
    process.kill(owner.pid, 0);
    return false; // something runs under that pid: maybe the writer, so wait for its lease
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
