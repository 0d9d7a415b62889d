// Writes in flight, so that recovery finds what a dead writer left without scanning the version log or the commit
// records, which only grow (FerretDB answers nothing but `_id` lookups from an index, so a scan decodes them whole).
// An entry is inserted before a write stores anything and removed once the write is finished; recovery reads this
// small collection whole.
import crypto from 'node:crypto';
import type { Collections, JournalDoc } from './collections';
import type { Coalescer } from './coalesce';

const transactionKey = (txn: string): string => `transaction:${txn}`;

/** Before a single write's version: the resource it writes. Returns the entry's key (racing writers have one each). */
export async function journalWrite(c: Collections, co: Coalescer, type: string, id: string): Promise<string> {
  const key = `write:${type}/${id}:${crypto.randomUUID()}`;
  await co.insert(c.journal, { _id: key, kind: 'write', type, id, at: new Date() });
  return key;
}

/**
 * A single write is finished (its view written) or never took its version: its entry may go. Not awaited by the
 * writer: an entry left behind only makes the next sweep look at a resource that is fine.
 */
export function closeWrite(c: Collections, co: Coalescer, key: string): void {
  co.deleteById(c.journal, key).catch(() => undefined);
}

/** Before a transaction's commit record. */
export function journalTransaction(c: Collections, txn: string): Promise<unknown> {
  return c.journal.insertOne({ _id: transactionKey(txn), kind: 'transaction', txn, at: new Date() });
}

/** The transaction is done or rolled back. */
export async function closeTransaction(c: Collections, txn: string): Promise<void> {
  await c.journal.deleteOne({ _id: transactionKey(txn) });
}

export async function openEntries(c: Collections): Promise<JournalDoc[]> {
  return c.journal.find({}).toArray();
}

export async function dropEntry(c: Collections, entry: JournalDoc): Promise<void> {
  await c.journal.deleteOne({ _id: entry._id });
}
