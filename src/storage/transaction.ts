// All-or-nothing commit of a transaction Bundle without database transactions (http.html#transaction):
// a pending commit record, then every version marked with it, then the commit point (a decision inserted under a
// unique key, decision.ts, which a rollback cannot also win), then the current view. Readers ignore versions of a
// transaction that has not committed; recovery finishes or undoes what a dead writer left.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Collection } from 'mongodb';
import { OperationOutcomeError } from '../fhir/outcome';
import type { JournalDoc, TransactionDoc, VersionDoc } from './collections';
import { decide, readTransaction, type TransactionState } from './decision';
import { isDuplicateKey } from './errors';
import { deleteKeys, insertKeys } from './keys';
import { closeTransaction, dropEntry, journalTransaction } from './journal';
import type { Faults, Prepared, Repository } from './repository';

/**
 * How long a transaction's record says its writer is alive; the writer renews it every third of that until its
 * commit point, so recovery rolls back only a writer that stopped (or stalled that long), never a long Bundle.
 */
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
  const leaseMs = faults.transactionLeaseMs ?? LEASE_MS;
  const now = new Date();
  await records(repo).insertOne({
    _id: txn,
    state: 'pending',
    versions: writes.map((w) => w.doc._id),
    createdAt: now,
    expiresAt: new Date(now.getTime() + leaseMs),
    owner: THIS_PROCESS,
  });
  const renewal = renewLease(repo, txn, leaseMs);
  try {
    await writeVersions(repo, txn, writes);
    await faults.beforeCommitPoint?.();
  } finally {
    clearInterval(renewal);
  }
  // DURABLE: the commit point. Once this decision is in, every version of the transaction is visible and recovery
  // finishes what is left; a rollback that inserted `aborted` first wins instead.
  if ((await decide(c, txn, 'committed')) !== 'committed') {
    throw new OperationOutcomeError(409, [
      {
        severity: 'error',
        code: 'transient',
        diagnostics: 'The transaction took too long and was rolled back; send it again',
      },
    ]);
  }
  // The decision is the commit point; the record follows it for readers of the record alone (recovery's scan).
  await c.transactions.updateOne({ _id: txn, state: 'pending' }, { $set: { state: 'committed' } });
  await faults.afterCommitPoint?.();
  await finish(repo, txn, writes);
}

/** Every version of the transaction, marked with it, after what must precede them (texts apart, search keys). */
async function writeVersions(repo: Repository, txn: string, writes: WritePrepared[]): Promise<void> {
  const { c } = repo;
  // Texts that do not sit in their versions (repository.ts, INLINE_TEXT_CHARS) go to blobs first.
  const blobs = writes.flatMap((w) =>
    w.json === undefined || w.doc.json !== undefined ? [] : [{ _id: w.doc.blob!, json: w.json }],
  );
  await Promise.all([
    blobs.length > 0 ? c.blobs.insertMany(blobs, { ordered: false }) : undefined,
    insertKeys(
      c,
      repo.co,
      writes.flatMap((w) => w.keys ?? []),
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
}

/** Moves the record's lease on every third of it while the writer works; a failed renewal waits for the next. */
function renewLease(repo: Repository, txn: string, leaseMs: number): NodeJS.Timeout {
  return setInterval(() => {
    const expiresAt = new Date(Date.now() + leaseMs);
    records(repo)
      .updateOne({ _id: txn, state: 'pending' }, { $set: { expiresAt } })
      .catch(() => undefined);
  }, leaseMs / 3).unref();
}

/** After the commit point: the current view, then the record says it is done (recovery redoes what is not). */
async function finish(
  repo: Repository,
  txn: string,
  writes: Array<{ doc: VersionDoc; json?: string; staleKeys?: string[] }>,
): Promise<void> {
  await repo.materialiseMany(writes);
  await deleteKeys(
    repo.c,
    writes.flatMap((w) => w.staleKeys ?? []),
  );
  await repo.c.transactions.updateOne({ _id: txn }, { $set: { state: 'done' } });
  await closeTransaction(repo.c, txn);
}

/**
 * The decision first, so readers and writers ignore the versions at once; a missing record also reads as aborted.
 * A transaction whose commit point came first is left alone (false).
 */
async function rollback(repo: Repository, txn: string): Promise<boolean> {
  if ((await decide(repo.c, txn, 'aborted')) === 'committed') return false;
  await repo.c.versions.deleteMany({ txn });
  await repo.c.transactions.deleteOne({ _id: txn }); // the decision stays: a writer still running cannot commit
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
  for (const { record: t, state } of await unfinished(repo, now, journal)) {
    if (state === 'committed') {
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
    } else if (state === 'aborted' || t.expiresAt.getTime() < now.getTime() || deadOwner(t.owner)) {
      // decided against, or pending with its writer past its lease or gone
      if (await rollback(repo, t._id)) rolledBack++;
    }
  }
  return { rolledBack, rolledForward };
}

/**
 * Commit records not yet done, with their state: the journal's, each read by `_id`; entries of finished ones are
 * dropped.
 */
async function unfinished(
  repo: Repository,
  now: Date,
  journal: JournalDoc[] | undefined,
): Promise<Array<{ record: OwnedTransactionDoc; state: TransactionState }>> {
  const out: Array<{ record: OwnedTransactionDoc; state: TransactionState }> = [];
  const consider = async (txn: string, entry?: JournalDoc): Promise<void> => {
    const { record, state } = await readTransaction<OwnedTransactionDoc>(repo.c, txn);
    if (record && record.state !== 'done') out.push({ record, state });
    // No record: not inserted yet (its writer may still be starting) or rolled back; past a lease, it is neither.
    else if (entry && (record || entry.at.getTime() < now.getTime() - LEASE_MS))
      await dropEntry(repo.c, entry);
  };
  if (journal) {
    for (const e of journal) if (e.kind === 'transaction' && e.txn !== undefined) await consider(e.txn, e);
  } else {
    const found = await records(repo)
      .find({ state: { $in: ['pending', 'aborted', 'committed'] } }, { projection: { _id: 1 } })
      .toArray();
    for (const t of found) await consider(t._id);
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
