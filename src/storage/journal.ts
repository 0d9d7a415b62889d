// Writes in flight, so that recovery finds what a dead writer left without scanning the version log or the commit
// records, which only grow (FerretDB answers nothing but `_id` lookups from an index, so a scan decodes them whole).
// An entry is inserted before a write stores anything and removed once the write is finished; recovery reads the
// few there are as two `_id` ranges. Entries live beside the keys of the ordered search index (`x:...`), so that a
// write's entry and its keys go as one command (coalesce.ts).
import crypto from 'node:crypto';
import type { Collections, JournalDoc } from './collections';
import type { Coalescer } from './coalesce';
import { prefixRange } from './implied-id';

const WRITE = 'write:';
const TRANSACTION = 'transaction:';
const transactionKey = (txn: string): string => `${TRANSACTION}${txn}`;

/** A single write's entry for `type/id`, under a key of its own (racing writers have one each). */
export function writeEntry(type: string, id: string, at = new Date()): JournalDoc {
  return { _id: `${WRITE}${type}/${id}:${crypto.randomUUID()}`, kind: 'write', type, id, at };
}

/** Before a single write's version: the resource it writes. Returns the entry's key. */
export async function journalWrite(c: Collections, co: Coalescer, type: string, id: string): Promise<string> {
  const entry = writeEntry(type, id);
  await co.insert(c.journal, entry);
  return entry._id;
}

/**
 * Whether a single write of `type/id` has an entry that `finished` has not closed: in flight, or dead between its
 * version and its view (a closed entry waits a little for its batched delete).
 */
export async function writeInFlight(
  c: Collections,
  finished: FinishedWrites,
  type: string,
  id: string,
): Promise<boolean> {
  const entries = await c.journal
    .find({ _id: prefixRange(`${WRITE}${type}/${id}:`) }, { projection: { _id: 1 } })
    .toArray();
  return entries.some((e) => !finished.has(e._id));
}

/**
 * Entries of finished single writes (view written, or no version taken), deleted together: one command per many
 * writes, where a delete per write cost FerretDB as much as the write's insert. Not awaited by writers: an entry
 * left behind (a crash before the delete) only makes the next sweep look at a resource that is fine.
 */
export class FinishedWrites {
  private keys: string[] = [];
  /** Closed and not deleted yet: in the journal still, but not in flight (writeInFlight). */
  private readonly closed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly c: Collections,
    /** The longest an entry waits for others to go with it, and the most that go in one delete. */
    private readonly delayMs = 200,
    private readonly max = 500,
  ) {}

  close(key: string): void {
    this.keys.push(key);
    this.closed.add(key);
    if (this.keys.length >= this.max) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs).unref();
  }

  /** Deletes the entries closed so far; the server awaits it before it disconnects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = this.keys;
    this.keys = [];
    if (keys.length > 0) {
      const c = this.c;
      const forget = (): void => keys.forEach((k) => this.closed.delete(k));
      this.flushing = this.flushing.then(() =>
        c.journal.deleteMany({ _id: { $in: keys } }).then(forget, forget),
      );
    }
    return this.flushing;
  }

  has(key: string): boolean {
    return this.closed.has(key);
  }
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
  const [writes, transactions] = await Promise.all(
    [WRITE, TRANSACTION].map((p) => c.journal.find({ _id: prefixRange(p) }).toArray()),
  );
  return [...writes!, ...transactions!];
}

export async function dropEntry(c: Collections, entry: JournalDoc): Promise<void> {
  await c.journal.deleteOne({ _id: entry._id });
}
