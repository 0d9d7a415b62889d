// The audit trail's store (issue 16 point 8; AuditEvents shaped after IHE BALP): a collection of its own, one insert
// per event, append-only, each record chained to the one before by SHA-256 so that an edit, a removal or a
// reordering shows in verify(). This module has no update or delete: nothing here changes a record once written.
import crypto from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import { canonicalText, parseExact, type JsonObject } from '../fhir/json';
import { isDuplicateKey } from './errors';

/** The collection's name: apart from the resources' versions, with few indexes (lessons-wave2 §3, "Volume"). */
export const AUDIT_COLLECTION = 'audit';
/** `_id` is the sequence number in this many digits, so `_id` order (FerretDB's one index) is chain order. */
const SEQ_DIGITS = 12;
const FIRST_ID = '0'.repeat(SEQ_DIGITS);
const LAST_ID = '9'.repeat(SEQ_DIGITS);
/** The `prev` of the first record. */
export const GENESIS = '0'.repeat(64);
/** Appends lost to another process's append of the same sequence number before giving up. */
const MAX_ATTEMPTS = 50;
/** The most events one insert stores. */
const MAX_GROUP = 256;
const VERIFY_BATCH = 500;
const PATIENT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role|1';

/** One stored AuditEvent. `_id` is its sequence number and the AuditEvent's id. */
export interface AuditDoc {
  _id: string;
  /** The AuditEvent as JSON text, exactly as hashed (after canonical ordering). */
  event: string;
  /** The hash of the record before (GENESIS for the first). */
  prev: string;
  /** SHA-256 hex of `prev` + the event's canonical text (fhir/json.ts canonicalText). */
  hash: string;
  /** What search reads, derived from the event (and checked against it by verify). */
  recorded: Date;
  /** `Patient/id` of every entity in the role Patient. */
  patients: string[];
  /** Of every agent: its `who.reference`, `who.identifier` as `system|value` and as `value`. */
  agents: string[];
  /** Every `entity.what.reference` without its `_history` part. */
  entities: string[];
}

export type AuditSearchField = 'patients' | 'agents' | 'entities';

export interface AuditQuery {
  /** Each inner list is an OR of values of one field; the lists are ANDed. */
  match: Array<{ field: AuditSearchField; anyOf: string[] }>;
  /** Bounds on `recorded`, ANDed. */
  recorded: Array<{ op: '$gt' | '$gte' | '$lt' | '$lte'; at: Date }>;
  /** Newest first; the page starts below this id (a `next` cursor). */
  before?: string;
  count: number;
}

export interface AuditPage {
  /** AuditEvent texts, newest first. */
  events: string[];
  /** The id to continue below, when there may be more. */
  next?: string;
}

export type Verification =
  { ok: true; count: number } | { ok: false; count: number; seq: number; reason: string };

/** Test-only fault injection: runs before each insert; a throw fails the append. */
export interface AuditFaults {
  beforeAuditAppend?: () => void | Promise<void>;
}

export const auditId = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');
const sha256 = (text: string): string => crypto.createHash('sha256').update(text, 'utf8').digest('hex');
export const chainHash = (prev: string, event: unknown): string => sha256(prev + canonicalText(event));

/** The search fields of an event: one function for append and verify. */
export function auditSearchFields(event: JsonObject): Pick<AuditDoc, AuditSearchField | 'recorded'> {
  const refs = (v: unknown): string | undefined =>
    typeof v === 'string' ? v.replace(/\/_history\/.*$/, '') : undefined;
  const entities = (Array.isArray(event.entity) ? event.entity : []) as JsonObject[];
  const patients: string[] = [];
  const what: string[] = [];
  for (const e of entities) {
    const ref = refs((e.what as JsonObject | undefined)?.reference);
    if (ref === undefined) continue;
    const role = e.role as JsonObject | undefined;
    if (`${String(role?.system)}|${String(role?.code)}` === PATIENT_ROLE) patients.push(ref);
    else what.push(ref);
  }
  const agents: string[] = [];
  for (const a of (Array.isArray(event.agent) ? event.agent : []) as JsonObject[]) {
    const who = a.who as JsonObject | undefined;
    if (typeof who?.reference === 'string') agents.push(who.reference);
    const ident = who?.identifier as JsonObject | undefined;
    if (typeof ident?.value === 'string') {
      if (typeof ident.system === 'string') agents.push(`${ident.system}|${ident.value}`);
      agents.push(ident.value);
    }
  }
  const uniq = (xs: string[]): string[] => [...new Set(xs)];
  return {
    recorded: new Date(String(event.recorded)),
    patients: uniq(patients),
    agents: uniq(agents),
    entities: uniq([...patients, ...what]),
  };
}

export class AuditLog {
  private readonly c: Collection<AuditDoc>;
  /** The last record this process knows of; undefined: read it from the database before the next append. */
  private tail: { seq: number; hash: string } | undefined;
  /** Events waiting for the next insert, in the order they were appended. */
  private waiting: Array<{ event: JsonObject; done: (id: string) => void; failed: (err: unknown) => void }> =
    [];
  /** Whether an insert is in flight (the next group waits for it). */
  private inserting = false;

  constructor(
    db: Db,
    private readonly faults: AuditFaults = {},
    /** Throws when the database is known to be down: appends queued behind each other then fail at once. */
    private readonly reachable: () => void = () => undefined,
  ) {
    this.c = db.collection<AuditDoc>(AUDIT_COLLECTION);
  }

  /** MongoDB only: FerretDB reads no index but `_id`'s (database.md), so there the searches scan. */
  async ensureIndexes(): Promise<void> {
    await this.c.createIndex({ patients: 1, _id: -1 });
    await this.c.createIndex({ recorded: 1 });
  }

  /**
   * Stores one AuditEvent (without id: the id is its sequence number) at the end of the chain; resolves to its id
   * once the database has it. In-process, events that arrive while an insert is in flight are chained in their order
   * and stored together by the next insert (one ordered insertMany: a group commit); across processes the unique
   * `_id` decides, and the events after a lost number re-read the tail and take the next ones.
   */
  append(event: JsonObject): Promise<string> {
    try {
      this.reachable(); // the database is known to be down: fail at once, not after the driver's timeout
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<string>((done, failed) => {
      this.waiting.push({ event, done, failed });
      if (!this.inserting) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inserting = true;
    let attempt = 0;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, MAX_GROUP);
      let stored = 0;
      try {
        const tail = this.tail ?? (await this.readTail());
        const docs = chained(
          tail,
          group.map((g) => g.event),
        );
        await this.faults.beforeAuditAppend?.();
        try {
          await this.c.insertMany(docs, { ordered: true });
          stored = docs.length;
        } catch (err) {
          // ordered: the records before the failing one are in
          stored = insertedBefore(err);
          throw err;
        } finally {
          const last = docs[stored - 1];
          this.tail = stored === docs.length && last ? { seq: Number(last._id), hash: last.hash } : undefined;
          for (const [i, g] of group.slice(0, stored).entries()) g.done(docs[i]!._id);
        }
        attempt = 0;
      } catch (err) {
        const rest = group.slice(stored);
        if (isDuplicateKey(err) && ++attempt < MAX_ATTEMPTS) {
          this.waiting.unshift(...rest); // another process took the number: after its records, in the same order
        } else {
          for (const g of rest) g.failed(err);
        }
      }
    }
    this.inserting = false;
  }

  private async readTail(): Promise<{ seq: number; hash: string }> {
    const last = await this.c
      .find({ _id: { $gte: FIRST_ID, $lte: LAST_ID } }, { projection: { _id: 1, hash: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    return last ? { seq: Number(last._id), hash: last.hash } : { seq: 0, hash: GENESIS };
  }

  /** The AuditEvent text of one id, or undefined. */
  async read(id: string): Promise<string | undefined> {
    const doc = await this.c.findOne({ _id: id }, { projection: { event: 1 } });
    return doc?.event;
  }

  /** A page of AuditEvents, newest first. */
  async search(q: AuditQuery): Promise<AuditPage> {
    const and: Array<Filter<AuditDoc>> = [{ _id: { $gte: FIRST_ID, $lt: q.before ?? LAST_ID + ':' } }];
    for (const m of q.match) and.push({ [m.field]: { $in: m.anyOf } });
    for (const r of q.recorded) and.push({ recorded: { [r.op]: r.at } });
    const docs = await this.c
      .find(and.length === 1 ? and[0]! : { $and: and }, { projection: { event: 1 } })
      .sort({ _id: -1 })
      .limit(q.count + 1)
      .toArray();
    const page = docs.slice(0, q.count);
    return {
      events: page.map((d) => d.event),
      ...(docs.length > q.count && { next: page[page.length - 1]!._id }),
    };
  }

  /** Walks the chain in `_id` order and reports the first broken link, or how many records hold together. */
  async verify(onProgress?: (checked: number) => void): Promise<Verification> {
    let prev = GENESIS;
    let expected = 1;
    let after = '';
    for (;;) {
      const batch = await this.c
        .find({ _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(VERIFY_BATCH)
        .toArray();
      if (batch.length === 0) return { ok: true, count: expected - 1 };
      for (const doc of batch) {
        const broken = (seq: number, reason: string): Verification => ({
          ok: false,
          count: expected - 1,
          seq,
          reason,
        });
        if (!/^\d+$/.test(doc._id) || doc._id.length !== SEQ_DIGITS)
          return broken(expected, `a record with _id "${doc._id}" is not part of the chain`);
        const seq = Number(doc._id);
        if (seq !== expected)
          return broken(
            expected,
            seq > expected
              ? `seq ${expected} is missing (the next record is seq ${seq})`
              : `seq ${seq} appears out of order`,
          );
        let event: JsonObject;
        try {
          event = parseExact(doc.event) as JsonObject;
        } catch {
          return broken(seq, 'its event is not JSON');
        }
        if (event.id !== doc._id) return broken(seq, `its event's id is "${String(event.id)}"`);
        if (chainHash(doc.prev, event) !== doc.hash)
          return broken(seq, 'its hash does not match its content');
        if (doc.prev !== prev) return broken(seq, `its prev does not match the hash of seq ${seq - 1}`);
        const fields = auditSearchFields(event);
        const same =
          fields.recorded.getTime() === new Date(doc.recorded).getTime() &&
          (['patients', 'agents', 'entities'] as const).every(
            (f) => JSON.stringify(fields[f]) === JSON.stringify(doc[f]),
          );
        if (!same) return broken(seq, 'its search fields do not match its event');
        prev = doc.hash;
        expected++;
      }
      after = batch[batch.length - 1]!._id;
      onProgress?.(expected - 1);
    }
  }
}

/** The records of `events` chained after `tail`, each with its sequence number as id and the hash of the one before. */
function chained(tail: { seq: number; hash: string }, events: JsonObject[]): AuditDoc[] {
  let prev = tail.hash;
  return events.map((event, i) => {
    const seq = tail.seq + 1 + i;
    const { resourceType, id: _ignored, ...rest } = event;
    const stored: JsonObject = { resourceType, id: auditId(seq), ...rest };
    const hash = chainHash(prev, stored);
    const doc: AuditDoc = {
      _id: auditId(seq),
      event: JSON.stringify(stored),
      prev,
      hash,
      ...auditSearchFields(stored),
    };
    prev = hash;
    return doc;
  });
}

/** How many records of an ordered insertMany the database stored before it failed (0 when it cannot say). */
function insertedBefore(err: unknown): number {
  const n =
    (err as { insertedCount?: unknown; result?: { insertedCount?: unknown } }).insertedCount ??
    (err as { result?: { insertedCount?: unknown } }).result?.insertedCount;
  return typeof n === 'number' ? n : 0;
}
