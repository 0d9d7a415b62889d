// Group commit: the inserts, `_id` reads and `_id` deletes that concurrent requests make on one collection go to the
// database as one command each. On FerretDB a command costs far more than a document (an `$in` of 1,000 ids is 9x
// faster than 1,000 lookups), so ten concurrent creates cost little more than one. A lone request is not delayed:
// its command is sent at once; work that arrives while a command runs waits for it and goes in the next one.
import type { Collection, Document } from 'mongodb';

/** The most documents or ids in one command. */
const MAX_BATCH = 500;

type Pending<I, R> = { item: I; resolve: (r: R) => void; reject: (e: unknown) => void };

/** One queue per collection and kind of work: at most one command in flight. */
class Queue<I, R> {
  private waiting: Array<Pending<I, R>> = [];
  private busy = false;

  constructor(private readonly run: (items: I[]) => Promise<Array<R | Error>>) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.flush()); // after the requests already in this turn of the event loop
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        const results = await this.run(batch.map((b) => b.item));
        batch.forEach((b, i) => {
          const r = results[i];
          if (r instanceof Error) b.reject(r);
          else b.resolve(r as R);
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.busy = false;
  }
}

interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/** A per-document error of a bulk insert, as the single insert would have thrown it (same `code`). */
function documentError(w: WriteErrorLike): Error {
  return Object.assign(new Error(w.errmsg ?? `write error ${w.code}`), { code: w.code });
}

async function insertAll(coll: Collection<Document>, docs: Document[]): Promise<Array<true | Error>> {
  if (docs.length === 1) {
    await coll.insertOne(docs[0]!); // skips the driver's bulk-write bookkeeping; its error is the caller's own
    return [true];
  }
  try {
    await coll.insertMany(docs, { ordered: false });
    return docs.map(() => true);
  } catch (err) {
    const listed = (err as { writeErrors?: WriteErrorLike | WriteErrorLike[] }).writeErrors;
    if (listed === undefined) throw err;
    const byIndex = new Map((Array.isArray(listed) ? listed : [listed]).map((w) => [w.index, w]));
    return docs.map((_, i) => {
      const w = byIndex.get(i);
      return w ? documentError(w) : true;
    });
  }
}

async function findAll(
  coll: Collection<Document>,
  ids: string[],
  projection: Document | undefined,
): Promise<Array<Document | null>> {
  const unique = [...new Set(ids)];
  const docs = await coll
    .find({ _id: { $in: unique } } as Document, {
      batchSize: unique.length + 1, // one more, or the driver asks again to learn the cursor is done
      ...(projection && { projection }),
    })
    .toArray();
  const byId = new Map(docs.map((d) => [String(d._id), d]));
  return ids.map((id) => byId.get(id) ?? null);
}

export class Coalescer {
  private readonly queues = new Map<string, Queue<unknown, unknown>>();

  private queue<I, R>(key: string, run: (items: I[]) => Promise<Array<R | Error>>): Queue<I, R> {
    let q = this.queues.get(key) as Queue<I, R> | undefined;
    if (!q) {
      q = new Queue<I, R>(run);
      this.queues.set(key, q as Queue<unknown, unknown>);
    }
    return q;
  }

  /** `insertOne`, with its duplicate-key error (code 11000) when the `_id` is taken. */
  async insert<T extends Document>(coll: Collection<T>, doc: T): Promise<void> {
    const c = coll as unknown as Collection<Document>;
    await this.queue<Document, true>(`insert ${c.collectionName}`, (docs) => insertAll(c, docs)).add(doc);
  }

  /** `findOne({_id})`. */
  findById<T extends Document>(coll: Collection<T>, id: string, projection?: Document): Promise<T | null> {
    const c = coll as unknown as Collection<Document>;
    const key = `find ${c.collectionName} ${JSON.stringify(projection ?? {})}`;
    return this.queue<string, Document | null>(key, (ids) => findAll(c, ids, projection)).add(
      id,
    ) as Promise<T | null>;
  }

  /** `deleteOne({_id})`. */
  async deleteById<T extends Document>(coll: Collection<T>, id: string): Promise<void> {
    const c = coll as unknown as Collection<Document>;
    await this.queue<string, true>(`delete ${c.collectionName}`, async (ids) => {
      await c.deleteMany({ _id: { $in: [...new Set(ids)] } } as Document);
      return ids.map(() => true);
    }).add(id);
  }
}
