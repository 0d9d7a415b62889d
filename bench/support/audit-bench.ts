// The audit trail on its own (src/storage/audit-log.ts): appends per second through AuditLog with 1 and 10 in
// flight (its appends run one after the other in a process), the same records inserted without the chain, and a
// group-commit variant (the chain of every event waiting, stored by one insertMany) that the report sets beside
// them; the size of the records the server wrote; and the time the chain's verification takes.
import { BSON, type Db, type MongoClient } from 'mongodb';
import type { JsonObject } from '../../src/fhir/json';
import {
  AUDIT_COLLECTION,
  auditId,
  auditSearchFields,
  AuditLog,
  chainHash,
  GENESIS,
  type AuditDoc,
} from '../../src/storage/audit-log';
import { withCpu, type CpuShare } from './cpu';
import { runConcurrent, type Sample } from './stats';

type Measured = Sample & { cpu: CpuShare };

export interface RecordSizes {
  count: number;
  /** BSON bytes per stored record (the event text, hashes, search fields), by event subtype and overall. */
  bson: Map<string, { count: number; bytes: number; eventChars: number }>;
  /** ms to read them all. */
  readMs: number;
}

const subtypeOf = (event: JsonObject): string => {
  const s = (event.subtype as Array<{ code?: string }> | undefined)?.[0]?.code;
  return typeof s === 'string' ? s : 'other';
};

/** Sizes of every record in `db`'s audit collection, read in `_id` order. */
export async function recordSizes(db: Db): Promise<RecordSizes> {
  const started = performance.now();
  const bson = new Map<string, { count: number; bytes: number; eventChars: number }>();
  let count = 0;
  const add = (key: string, bytes: number, chars: number): void => {
    const s = bson.get(key) ?? { count: 0, bytes: 0, eventChars: 0 };
    s.count++;
    s.bytes += bytes;
    s.eventChars += chars;
    bson.set(key, s);
  };
  for await (const doc of db
    .collection<AuditDoc>(AUDIT_COLLECTION)
    .find({})
    .sort({ _id: 1 })
    .batchSize(1000)) {
    count++;
    const bytes = BSON.calculateObjectSize(doc);
    const chars = Buffer.byteLength(doc.event);
    add(subtypeOf(JSON.parse(doc.event) as JsonObject), bytes, chars);
    add('all', bytes, chars);
  }
  return { count, bson, readMs: performance.now() - started };
}

/** Up to `n` events the server recorded, without their ids: what the appends below store again. */
export async function sampleEvents(db: Db, n: number): Promise<JsonObject[]> {
  const docs = await db
    .collection<AuditDoc>(AUDIT_COLLECTION)
    .find({}, { projection: { event: 1 } })
    .sort({ _id: -1 })
    .limit(n)
    .toArray();
  return docs.map((d) => {
    const { id: _id, ...rest } = JSON.parse(d.event) as JsonObject;
    return rest;
  });
}

/** The record AuditLog would store for `event` as number `seq` after `prev`. */
function chained(event: JsonObject, seq: number, prev: string): AuditDoc {
  const { resourceType, ...rest } = event;
  const stored: JsonObject = { resourceType, id: auditId(seq), ...rest };
  const hash = chainHash(prev, stored);
  return {
    _id: auditId(seq),
    event: JSON.stringify(stored),
    prev,
    hash,
    ...auditSearchFields(stored),
  };
}

/**
 * Group commit, as AuditLog could do it: appends that arrive while an insert is on its way wait, and are then chained
 * in arrival order and stored by one ordered insertMany (the chain, its hashes and verify() unchanged).
 * Single-process only (no retry on another process's sequence number): a measurement, not a replacement.
 */
class GroupedAppends {
  private waiting: Array<{ event: JsonObject; done: (err?: Error) => void }> = [];
  private busy = false;
  private tail = { seq: 0, hash: GENESIS };

  constructor(
    private readonly db: Db,
    private readonly maxBatch: number,
  ) {}

  readonly batches: number[] = [];

  append(event: JsonObject): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.busy) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.busy = true;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      const docs: AuditDoc[] = [];
      let { seq, hash } = this.tail;
      for (const w of batch) {
        const doc = chained(w.event, ++seq, hash);
        hash = doc.hash;
        docs.push(doc);
      }
      try {
        await this.db.collection<AuditDoc>(AUDIT_COLLECTION).insertMany(docs, { ordered: true });
        this.tail = { seq, hash };
        this.batches.push(batch.length);
        for (const w of batch) w.done();
      } catch (err) {
        for (const w of batch) w.done(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.busy = false;
  }
}

export interface AppendRates {
  chain1: Measured;
  chain10: Measured;
  /** The same records, each insertOne'd with 10 in flight and no chain: what the database takes. */
  raw10: Measured;
  grouped10: Measured;
  groupedMeanBatch: number;
  /** verify() on the grouped chain: it is a valid chain. */
  groupedVerified: boolean;
}

/** Appends into fresh databases `<prefix>_*` (dropped after), cycling through `events`. */
export async function appendRates(
  client: MongoClient,
  prefix: string,
  events: JsonObject[],
  amount: number,
  deadlineMs: number,
  /** This process (`client`) and the database server (`ferretdb`), for the CPU per append. */
  pids: Record<string, number>,
): Promise<AppendRates> {
  const next = (i: number): JsonObject => events[i % events.length]!;
  const fresh = async (name: string): Promise<Db> => {
    const db = client.db(`${prefix}_${name}`);
    await db.dropDatabase();
    await db.createCollection(AUDIT_COLLECTION);
    return db;
  };
  const used: Db[] = [];
  try {
    const rate = async (name: string, concurrency: number): Promise<Measured> => {
      const db = await fresh(name);
      used.push(db);
      const log = new AuditLog(db);
      return withCpu(pids, () => runConcurrent(amount, concurrency, (i) => log.append(next(i)), deadlineMs));
    };
    // warm-up: JIT, connection pool, SQLite table
    await rate('warm', 10);
    const chain1 = await rate('one', 1);
    const chain10 = await rate('ten', 10);
    const rawDb = await fresh('raw');
    used.push(rawDb);
    // The records chain10 stored, inserted again without waiting for one another.
    const docs = await client
      .db(`${prefix}_ten`)
      .collection<AuditDoc>(AUDIT_COLLECTION)
      .find({})
      .sort({ _id: 1 })
      .toArray();
    const raw10 = await withCpu(pids, () =>
      runConcurrent(
        docs.length,
        10,
        (i) => rawDb.collection<AuditDoc>(AUDIT_COLLECTION).insertOne(docs[i]!),
        deadlineMs,
      ),
    );
    const groupedDb = await fresh('grouped');
    used.push(groupedDb);
    const grouped = new GroupedAppends(groupedDb, 100);
    const grouped10 = await withCpu(pids, () =>
      runConcurrent(amount, 10, (i) => grouped.append(next(i)), deadlineMs),
    );
    const verified = await new AuditLog(groupedDb).verify();
    const n = grouped.batches.length;
    return {
      chain1,
      chain10,
      raw10,
      grouped10,
      groupedMeanBatch: n ? grouped.batches.reduce((a, b) => a + b, 0) / n : NaN,
      groupedVerified: verified.ok && verified.count === grouped10.count,
    };
  } finally {
    for (const db of used) await db.dropDatabase();
  }
}

/** AuditLog.verify() on `db` in this process: the walk alone, without starting a server. */
export async function verifyInProcess(db: Db): Promise<{ ms: number; count: number; ok: boolean }> {
  const started = performance.now();
  const v = await new AuditLog(db).verify();
  return { ms: performance.now() - started, count: v.count, ok: v.ok };
}
