// The collections and their documents (see the storage design in the README): versions is the append-only truth,
// resources the materialised current view that reads and search use.
import type { Collection, Db, IndexSpecification } from 'mongodb';

/** One version of one resource; `_id` = "<type>/<id>/<versionId>" makes a second writer of the same version fail. */
export interface VersionDoc {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /**
   * Where the exact resource text is (absent for a delete): this version's own `_id` when the text sits in `json`
   * here, else the `_id` of its blob.
   */
  blob?: string;
  /** The text itself, for texts of up to INLINE_TEXT_CHARS (repository.ts): one document to insert, not two. */
  json?: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** History order key: lastUpdated ISO | type/id | zero-padded version (one sortable scalar, for keyset paging). */
  hkey: string;
  /** The transaction Bundle that wrote it: visible only once that transaction is committed (decision.ts). */
  txn?: string;
}

/** The current version of one resource, with its search index. `_id` = "<type>/<id>". */
export interface ResourceDoc {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  blob?: string;
  idx: Record<string, unknown[]>;
  sort: Record<string, unknown>;
  /** Set before a version above `versionId` is written: a reader that sees it checks `versions` first. */
  pending?: number;
}

/**
 * The exact text of one large version, kept apart
 * so that scans of `versions` stay small: FerretDB decodes every document a query scans, and some resources are
 * megabytes. Read only by `_id`.
 */
export interface BlobDoc {
  _id: string;
  json: string;
}

/**
 * One transaction Bundle's commit record: `pending` until its commit point, then `committed`, then `done` once the
 * current view is written. Kept for good: its versions point to it.
 */
export interface TransactionDoc {
  _id: string;
  state: 'pending' | 'committed' | 'done' | 'aborted';
  /** The version keys it writes. */
  versions: string[];
  /** Until then the writer is alive; a pending record past it is rolled back by recovery. */
  expiresAt: Date;
  createdAt: Date;
}

/**
 * The one decision on a transaction Bundle, `_id` = "decision:<txn>" beside its record: inserted by the writer at its
 * commit point, or by a rollback, and never changed. The unique insert makes the two exclude each other where a
 * conditional update would not (FerretDB's are a read, then a write). Kept for good, like the record.
 */
export interface DecisionDoc {
  _id: string;
  decision: 'committed' | 'aborted';
  at: Date;
}

/** A claim on a conditional-create key (`Patient|system|value`), so that two racing creates make one resource. */
export interface LockDoc {
  _id: string;
  /** The `Type/id` the winner creates. */
  target: string;
  createdAt: Date;
}

/** A key of the ordered search index (search/keys.ts): the `_id` is all of it. */
export interface KeyDoc {
  _id: string;
}

/** A write in flight (journal.ts): a single write's resource, or a transaction's id. */
export interface JournalDoc {
  _id: string;
  kind: 'write' | 'transaction';
  type?: string;
  id?: string;
  txn?: string;
  at: Date;
}

export interface MetaDoc {
  _id: string;
  value: unknown;
}

export interface Collections {
  versions: Collection<VersionDoc>;
  resources: Collection<ResourceDoc>;
  blobs: Collection<BlobDoc>;
  transactions: Collection<TransactionDoc>;
  /** The same collection as `transactions` (decision.ts). */
  decisions: Collection<DecisionDoc>;
  locks: Collection<LockDoc>;
  /** The ordered search index: one small document per key (search/keys.ts). */
  keys: Collection<KeyDoc>;
  /** The same collection as `keys` (journal.ts): entries sort apart, under `journal:`. */
  journal: Collection<JournalDoc>;
  meta: Collection<MetaDoc>;
}

export function collections(db: Db): Collections {
  return {
    versions: db.collection<VersionDoc>('versions'),
    resources: db.collection<ResourceDoc>('resources'),
    blobs: db.collection<BlobDoc>('blobs'),
    transactions: db.collection<TransactionDoc>('transactions'),
    decisions: db.collection<DecisionDoc>('transactions'),
    locks: db.collection<LockDoc>('locks'),
    keys: db.collection<KeyDoc>('keys'),
    journal: db.collection<JournalDoc>('keys'),
    meta: db.collection<MetaDoc>('meta'),
  };
}

/** Indexes the storage's own query shapes need on MongoDB (FerretDB scans anyway). */
export const STORAGE_INDEXES: Array<{
  collection: keyof Collections;
  key: IndexSpecification;
  unique?: boolean;
}> = [
  { collection: 'versions', key: { type: 1, id: 1, versionId: -1 } },
  { collection: 'versions', key: { type: 1, id: 1, hkey: -1 } },
  { collection: 'versions', key: { type: 1, hkey: -1 } },
  { collection: 'versions', key: { hkey: -1 } },
  { collection: 'versions', key: { lastUpdated: 1 } },
  { collection: 'resources', key: { type: 1, deleted: 1, _id: 1 } },
  { collection: 'resources', key: { pending: 1 } },
  { collection: 'versions', key: { txn: 1 } },
  { collection: 'transactions', key: { state: 1, expiresAt: 1 } },
];

export async function ensureIndexes(
  c: Collections,
  extra: Array<{ key: IndexSpecification }> = [],
): Promise<void> {
  for (const ix of STORAGE_INDEXES) {
    await c[ix.collection].createIndex(ix.key, ix.unique ? { unique: true } : {});
  }
  for (const ix of extra) await c.resources.createIndex(ix.key);
}

const NAMESPACE_NOT_FOUND = 26;

/**
 * On FerretDB: removes every index but `_id`'s. It hands SQLite no filter but one on `_id` (database.md), so a
 * secondary index is never read there, yet every insert and update must maintain it (4x slower inserts with the
 * search indexes). A database first used with MongoDB and then copied to FerretDB has them.
 */
export async function dropSecondaryIndexes(c: Collections): Promise<void> {
  for (const coll of Object.values(c) as Collection[]) {
    const names = await coll
      .listIndexes()
      .toArray()
      .then(
        (ixs: Array<{ name?: string }>) => ixs.map((ix) => String(ix.name)),
        (err: { code?: number }) => {
          if (err.code === NAMESPACE_NOT_FOUND) return []; // not created yet
          throw err;
        },
      );
    for (const name of names) if (name !== '_id_') await coll.dropIndex(name);
  }
}

export function versionKey(type: string, id: string, versionId: number): string {
  return `${type}/${id}/${versionId}`;
}

export function historyKey(lastUpdated: Date, type: string, id: string, versionId: number): string {
  return `${lastUpdated.toISOString()}|${type}/${id}|${String(versionId).padStart(10, '0')}`;
}
