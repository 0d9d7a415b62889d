// The single write pipeline and the reads that repair what a crash left behind (http.html#versioning).
// Ordering: a version is inserted into `versions` under a unique _id (the only serialisation point), then the
// `resources` view is brought up to it. A reader that finds the view behind the versions rolls it forward.
import type { AuditFaults } from './audit-log';
import crypto from 'node:crypto';
import type { Db } from 'mongodb';
import type { Resource } from 'fhir/r4';
import { versionKeys, type SearchIndex } from '../search';
import { canonicalText, parseExact, type JsonObject } from '../fhir/json';
import { fail, OperationOutcomeError, preconditionFailed, type Issue } from '../fhir/outcome';
import { shapeIssues } from '../fhir/shape';
import {
  collections,
  historyKey,
  versionKey,
  type Collections,
  type ResourceDoc,
  type VersionDoc,
} from './collections';
import { readTransaction, type TransactionState } from './decision';
import { isDuplicateKey } from './errors';
import { deleteKeys, insertKeys } from './keys';
import { FinishedWrites, journalWrite, writeInFlight } from './journal';
import { Coalescer } from './coalesce';
import { BlobCache } from './blob-cache';
import { HeadCache, type Head } from './head-cache';
import { contentOf, stampedText } from './stamp';

export interface StoredResource {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** Exact resource text; absent for a deleted version. */
  json?: string;
}

/** One entry of `meta.security`. */
export type SecurityLabel = { system?: string; code?: string };
/** The `meta.security` of the current versions of `Type/id`s (none for an absent or deleted one). */
export type LabelsOf = (keys: string[]) => Promise<Map<string, SecurityLabel[]>>;

/** What the rest of the server plugs into every write: security labels, validation and search indexing. */
export interface WritePipeline {
  validate(resource: Resource): Issue[];
  index(resource: Resource): SearchIndex;
  /** Why this resource may not be changed through the API (the server's own Questionnaire), if so. */
  protect?(type: string, id: string): string | undefined;
  /**
   * The tree a put stores, with the security labels its content calls for and those of `current` it may not drop
   * (security/labels.ts); run after `decide`, before the comparison with the current version and validation.
   */
  label?(
    tree: JsonObject,
    current: JsonObject | undefined,
    labelsOf: LabelsOf,
    labelAdmin: boolean,
  ): Promise<JsonObject>;
}

/** A write decided and checked but not yet stored (see {@link Repository.prepare}). */
export interface Prepared {
  doc?: VersionDoc;
  json?: string;
  /** The version's search index, computed once for its keys and its current view. */
  index?: SearchIndex;
  /** The version's keys in the ordered search index (search/keys.ts), inserted before the version. */
  keys?: string[];
  /** The keys of the version it replaces, deleted once the view shows this one. */
  staleKeys?: string[];
  outcome: WriteOutcome | undefined;
}

/** Thrown while probing when the newest version belongs to a transaction still in progress. */
export class TransactionLock extends Error {
  constructor(
    readonly resource: string,
    readonly txn: string,
  ) {
    super(`${resource} is locked by transaction ${txn}`);
  }
}

export const NO_PIPELINE: WritePipeline = { validate: () => [], index: () => ({ idx: {}, sort: {} }) };

export type Change = { kind: 'put'; tree: JsonObject } | { kind: 'delete' };

export interface WriteOptions {
  method: VersionDoc['method'];
  /** `If-Match`: the version the client last saw; another current version answers 412. */
  ifMatch?: number;
  /** Status for malformed content: 400 for a request body, 422 for the result of a patch. */
  malformedStatus?: 400 | 422;
  /** The server's own write (seeding its Questionnaire at start): protected resources may change. */
  system?: boolean;
  /** The caller holds the `label-admin` role: security labels are stored as sent, and may come off. */
  labelAdmin?: boolean;
  /** Answers the label step's lookups instead of the current versions alone (a transaction's own writes). */
  labelsOf?: LabelsOf;
}

export interface WriteOutcome {
  stored: StoredResource;
  /** True when no earlier live version existed (201). */
  created: boolean;
  /** False when the content equalled the current version, so no version was added. */
  changed: boolean;
}

/** Test-only fault injection (points in a write where a test may hold or fail it) and timing. */
export interface Faults extends AuditFaults {
  afterVersionInsert?: (v: VersionDoc) => void | Promise<void>;
  /** A transaction's versions are inserted; its commit point is next. */
  beforeCommitPoint?: () => void | Promise<void>;
  /** A transaction committed; its current view is next. */
  afterCommitPoint?: () => void | Promise<void>;
  /** A shorter transaction lease than LEASE_MS (transaction.ts), renewed as often. */
  transactionLeaseMs?: number;
}

const MAX_ATTEMPTS = 50;
/** What a read needs of the view. Named fields: FerretDB answers an inclusion faster than `{idx: 0, sort: 0}`. */
const VIEW_HEAD = { type: 1, id: 1, versionId: 1, lastUpdated: 1, deleted: 1, blob: 1, pending: 1 };
const TRANSACTION_WAIT_MS = 3000;
/** Versions asked for at once by a first read (most resources have a few). */
const PROBE_WINDOW = 8;
const COMMITTED_CACHE = 100_000;
/** Texts up to this many characters sit in their version document; longer ones in a blob of their own. */
export const INLINE_TEXT_CHARS = 16 * 1024;
/** One remembered head per this many characters of text cache: 32,768 heads (a few MB) for the default 64 MB. */
const HEAD_CHARS = 2048;
/** Room below MongoDB's 16 MiB BSON limit for the blob document's own fields. */
export const MAX_RESOURCE_BYTES = 16 * 1024 * 1024 - 64 * 1024;

export class Repository {
  readonly c: Collections;
  /** Merges concurrent requests' single-document commands (coalesce.ts). */
  readonly co = new Coalescer();
  /** Texts of versions by blob id: immutable, so never stale. */
  readonly texts: BlobCache;
  /** Current versions of recently used resources, checked against `versions` on each read (head-cache.ts). */
  readonly heads: HeadCache;
  /** Journal entries of finished writes, deleted in batches (journal.ts). */
  readonly finished: FinishedWrites;
  private readonly committed = new Set<string>();

  constructor(
    db: Db,
    private readonly pipeline: WritePipeline = NO_PIPELINE,
    /** MongoDB applies a filtered replace atomically; FerretDB may not, so there we re-check after writing. */
    private readonly atomicConditionalWrites = false,
    readonly faults: Faults = {},
    /** Characters of resource text kept in memory (blob-cache.ts); 0 for none. */
    textCacheChars = 64 * 2 ** 20,
  ) {
    this.c = collections(db);
    this.texts = new BlobCache(textCacheChars);
    this.finished = new FinishedWrites(this.c);
    this.heads = new HeadCache(Math.floor(textCacheChars / HEAD_CHARS));
  }

  /** The search index of a resource, as a write computes it. */
  indexOf(resource: Resource): SearchIndex {
    return this.pipeline.index(resource);
  }

  /** The current version, rolling the view forward first when a writer died before updating it. */
  async read(type: string, id: string): Promise<StoredResource | undefined> {
    const known = await this.heads.current(this.c, this.co, type, id);
    if (known) return this.withText(known);
    const settled = await this.newestSettled(type, id);
    if (settled !== undefined) {
      if (settled) this.heads.set(settled);
      return settled ? this.withText(settled) : undefined;
    }
    const cur = await this.co.findById(this.c.resources, `${type}/${id}`, VIEW_HEAD);
    if (cur && !(cur.pending !== undefined && cur.pending > cur.versionId)) {
      this.heads.set(cur);
      return this.withText(cur);
    }
    const latest = await this.latestVersion(type, id, cur?.versionId ?? 0);
    if (!latest) return cur ? this.withText(cur) : undefined;
    await this.converge(type, id); // rolls the view forward, or clears a hint left by a writer that never inserted
    return this.withText(latest);
  }

  /**
   * The newest visible version of a resource no single write is in flight for (no journal entry), from its versions
   * alone: with no writer between version and view, the view could only repeat it, and a view costs FerretDB all its
   * search keys to decode. Versions are looked up by `_id` in windows of {@link PROBE_WINDOW} and up, from 1, and
   * hold their text (up to 16 KiB). Undefined when a write is in flight (the caller reads the view and repairs it);
   * null for none.
   */
  private async newestSettled(type: string, id: string): Promise<VersionDoc | null | undefined> {
    const probe = (from: number, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          this.co.findById(this.c.versions, versionKey(type, id, from + i)),
        ),
      );
    const [first, inFlight] = await Promise.all([
      probe(1, PROBE_WINDOW),
      writeInFlight(this.c, this.finished, type, id),
    ]);
    if (inFlight) return undefined;
    const found = first.filter((v): v is VersionDoc => v !== null);
    for (let n = PROBE_WINDOW; found.length === n; n *= 4) {
      // every one of 1..n exists: the next window, four times as wide
      found.push(...(await probe(n + 1, 3 * n)).filter((v): v is VersionDoc => v !== null));
    }
    for (let i = found.length - 1; i >= 0; i--) if (await this.visible(found[i]!)) return found[i]!;
    return null;
  }

  async vread(type: string, id: string, versionId: number): Promise<StoredResource | undefined> {
    const v = await this.co.findById(this.c.versions, versionKey(type, id, versionId));
    return v && (await this.visible(v)) ? this.withText(v) : undefined;
  }

  /** The stored metadata with the resource text. */
  async withText(d: ResourceDoc | VersionDoc | Head): Promise<StoredResource> {
    const out = fromDoc(d);
    const json = await this.textOf(d);
    if (json !== undefined) out.json = json;
    return out;
  }

  /** A document's resource text: its own when it holds it (a version's inline text), else the one its key names. */
  async textOf(d: { blob?: string; json?: string }): Promise<string | undefined> {
    return d.json ?? (d.blob === undefined ? undefined : this.blobText(d.blob));
  }

  /** The text `blob` names: a version's `_id` (text inline) or a blob's. */
  async blobText(blob: string): Promise<string> {
    const cached = this.texts.get(blob);
    if (cached !== undefined) return cached;
    const b = inVersion(blob)
      ? await this.co.findById(this.c.versions, blob, { json: 1 })
      : await this.co.findById(this.c.blobs, blob);
    if (typeof b?.json !== 'string') throw new Error(`the text ${blob} is missing`);
    this.texts.set(blob, b.json);
    return b.json;
  }

  /** The texts `blobs` name (see blobText), cached or fetched in one command per collection. */
  textsOf(blobs: string[]): Promise<Map<string, string>> {
    return this.texts.getMany(blobs, async (missing) => {
      const inline = missing.filter(inVersion);
      const apart = missing.filter((b) => !inVersion(b));
      const [a, b] = await Promise.all([
        inline.length === 0
          ? []
          : this.c.versions.find({ _id: { $in: inline } }, { projection: { json: 1 } }).toArray(),
        apart.length === 0 ? [] : this.c.blobs.find({ _id: { $in: apart } }).toArray(),
      ]);
      return [...a, ...b].flatMap((d) => (typeof d.json === 'string' ? [{ _id: d._id, json: d.json }] : []));
    });
  }

  /**
   * The newest version visible to `reader`s or to `writer`s, found by probing version ids upward from `floor` (the
   * view's version): lookups by `_id` only, which FerretDB answers without scanning. A version written by a
   * transaction that has not committed is invisible to readers and a lock to writers ({@link TransactionLock}).
   */
  async latestVersion(
    type: string,
    id: string,
    floor?: number,
    mode: 'reader' | 'writer' = 'reader',
  ): Promise<VersionDoc | null> {
    let from = floor ?? this.heads.floor(type, id);
    if (from === undefined) {
      const cur = await this.co.findById(this.c.resources, `${type}/${id}`, { versionId: 1 });
      from = cur?.versionId ?? 0;
    }
    let latest: VersionDoc | null =
      from > 0 ? await this.co.findById(this.c.versions, versionKey(type, id, from)) : null;
    for (let v = from + 1; ; v++) {
      const next = await this.co.findById(this.c.versions, versionKey(type, id, v));
      if (!next) return latest;
      if (next.txn !== undefined) {
        const state = await this.transactionState(next.txn);
        if (state === 'pending' && mode === 'writer') throw new TransactionLock(`${type}/${id}`, next.txn);
        if (state !== 'committed') return latest;
      }
      latest = next;
    }
  }

  /**
   * The state of a transaction Bundle's commit (decision.ts); a missing record means it was rolled back. Committed
   * is final, so it is remembered: versions keep their transaction mark for good and are checked here when read.
   */
  async transactionState(txn: string): Promise<TransactionState> {
    if (this.committed.has(txn)) return 'committed';
    const { state } = await readTransaction(this.c, txn, false);
    if (state !== 'committed') return state;
    if (this.committed.size >= COMMITTED_CACHE) this.committed.clear();
    this.committed.add(txn);
    return 'committed';
  }

  /** Whether a version may be shown: written outside a transaction, or by one that committed. */
  async visible(v: VersionDoc): Promise<boolean> {
    return v.txn === undefined || (await this.transactionState(v.txn)) === 'committed';
  }

  /**
   * Writes one new version of `type/id` decided from the current one. `decide` returns undefined for "nothing to do"
   * (a delete of something absent). Concurrent writers serialise on the unique version _id: the loser retries
   * (or answers 412 when it had an If-Match).
   */
  async write(
    type: string,
    id: string,
    decide: (current: StoredResource | undefined) => Change | undefined,
    opts: WriteOptions & { fresh?: boolean },
  ): Promise<WriteOutcome | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const p = await this.prepare(type, id, decide, opts);
      if (!p.doc || !p.outcome) return p.outcome;
      // All before the version, in parallel: it names the blob; a search must find it; recovery must find the
      // write; and any version above 1 has a view below it (a revive too), marked behind.
      const [entry] = await Promise.all([
        journalWrite(this.c, this.co, type, id),
        p.json === undefined || p.doc.json !== undefined
          ? undefined
          : this.co.insert(this.c.blobs, { _id: p.doc.blob!, json: p.json }),
        insertKeys(this.c, this.co, p.keys ?? []),
        p.doc.versionId > 1
          ? this.c.resources.updateOne({ _id: `${type}/${id}` }, { $max: { pending: p.doc.versionId } })
          : undefined,
      ]);
      try {
        // DURABLE: once this insert is in, the write is (reads, searches and recovery find it); a duplicate key
        // means another writer took this version number first.
        await this.co.insert(this.c.versions, p.doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        this.finished.close(entry);
        if (opts.ifMatch !== undefined) {
          throw preconditionFailed(
            `${type}/${id} was changed by another request (version ${p.doc.versionId} exists)`,
          );
        }
        continue; // another writer took this version number: decide again on top of theirs
      }
      if (p.json !== undefined) this.texts.set(p.doc.blob!, p.json);
      await this.faults.afterVersionInsert?.(p.doc);
      await this.materialise(p.doc, p.json, opts.fresh === true, p.index);
      this.heads.set(p.doc);
      await deleteKeys(this.c, p.staleKeys ?? []);
      this.finished.close(entry);
      return p.outcome;
    }
    throw new OperationOutcomeError(409, [
      {
        severity: 'error',
        code: 'conflict',
        diagnostics: `Too many concurrent writes to ${type}/${id}; try again`,
      },
    ]);
  }

  /**
   * Decides, checks and stamps the next version of `type/id` without writing anything: the version document and
   * its text to insert, or no document when there is nothing to write (absent delete, unchanged content).
   * Waits a little for a transaction that holds the resource, then answers 409.
   */
  async prepare(
    type: string,
    id: string,
    decide: (current: StoredResource | undefined) => Change | undefined,
    opts: WriteOptions & { fresh?: boolean },
    /** The current version when the caller looked it up already (in bulk, for a transaction). */
    known?: { current: StoredResource | undefined },
  ): Promise<Prepared> {
    // A fresh server-assigned id has no earlier version: no need to ask the database.
    let current = known?.current;
    if (!known && !opts.fresh) {
      const latest = await this.waitForLatest(type, id);
      current = latest ? await this.withText(latest) : undefined;
    }
    if (opts.ifMatch !== undefined && current?.versionId !== opts.ifMatch) {
      throw preconditionFailed(
        `If-Match version ${opts.ifMatch} is not the current version of ${type}/${id}` +
          (current ? ` (that is ${current.versionId})` : ' (it does not exist)'),
      );
    }
    let change = decide(current);
    if (!change) return { outcome: undefined };
    const live = current && !current.deleted ? current : undefined;
    // Parsed once: compared with the new content.
    const liveTree =
      change.kind === 'put' && live?.json !== undefined ? (parseExact(live.json) as JsonObject) : undefined;
    if (change.kind === 'put' && this.pipeline.label) {
      const labelsOf = opts.labelsOf ?? ((keys: string[]) => this.labelsOf(keys));
      change = {
        kind: 'put',
        tree: await this.pipeline.label(change.tree, liveTree, labelsOf, opts.labelAdmin === true),
      };
    }
    if (change.kind === 'put' && live && liveTree && sameContent(change.tree, liveTree)) {
      if (!known && (await this.currentVersionId(type, id)) !== live.versionId) await this.converge(type, id);
      return { outcome: { stored: live, created: false, changed: false } };
    }
    const versionId = (current?.versionId ?? 0) + 1;
    const lastUpdated = nextTimestamp(current?.lastUpdated);
    const { doc, json, plain } = this.versionDoc(type, id, versionId, lastUpdated, change, opts);
    const stored = fromDoc(doc);
    if (json !== undefined) stored.json = json;
    const p: Prepared = { doc, outcome: { stored, created: !live, changed: true } };
    if (json !== undefined && plain !== undefined) {
      p.json = json;
      p.index = this.pipeline.index(plain);
      p.keys = versionKeys(type, id, versionId, p.index);
    }
    if (live?.json !== undefined) {
      const before = JSON.parse(live.json) as Resource;
      p.staleKeys = versionKeys(type, id, live.versionId, this.pipeline.index(before));
    }
    return p;
  }

  /** The security labels of the current versions of `Type/id`s, read in parallel (the label step's lookups). */
  async labelsOf(keys: string[]): Promise<Map<string, SecurityLabel[]>> {
    const out = new Map<string, SecurityLabel[]>();
    await Promise.all(
      keys.map(async (key) => {
        const slash = key.indexOf('/');
        const cur = await this.read(key.slice(0, slash), key.slice(slash + 1));
        out.set(key, cur && !cur.deleted && cur.json !== undefined ? securityOf(cur.json) : []);
      }),
    );
    return out;
  }

  private waitForLatest(type: string, id: string): Promise<VersionDoc | null> {
    return waitOutTransactions(() => this.latestVersion(type, id, undefined, 'writer'));
  }

  /** Checks shape and validation, stamps the version and returns its documents (nothing is written here). */
  private versionDoc(
    type: string,
    id: string,
    versionId: number,
    lastUpdated: Date,
    change: Change,
    opts: WriteOptions,
  ): { doc: VersionDoc; json?: string; plain?: Resource } {
    const protectedWhy = opts.system ? undefined : this.pipeline.protect?.(type, id);
    if (protectedWhy) throw fail(405, 'not-supported', protectedWhy);
    const base = {
      _id: versionKey(type, id, versionId),
      type,
      id,
      versionId,
      lastUpdated,
      hkey: historyKey(lastUpdated, type, id, versionId),
    };
    if (change.kind === 'delete') return { doc: { ...base, deleted: true, method: 'DELETE' } };
    const json = stampedText(change.tree, id, versionId, lastUpdated);
    if (Buffer.byteLength(json) > MAX_RESOURCE_BYTES) {
      throw new OperationOutcomeError(413, [
        {
          severity: 'error',
          code: 'too-costly',
          diagnostics: `The resource is ${Buffer.byteLength(json)} bytes; a stored resource must stay below ${MAX_RESOURCE_BYTES} (MongoDB's 16 MB document limit)`,
        },
      ]);
    }
    const plain = JSON.parse(json) as Resource; // validated, then indexed (prepare)
    this.check(type, change.tree, plain, opts.malformedStatus ?? 400);
    const doc: VersionDoc = { ...base, deleted: false, method: opts.method };
    if (json.length <= INLINE_TEXT_CHARS) {
      doc.blob = base._id;
      doc.json = json;
    } else doc.blob = crypto.randomUUID();
    return { doc, json, plain };
  }

  /** Shape problems are malformed FHIR (400); validation errors are well-formed but invalid content (422). */
  private check(type: string, tree: JsonObject, plain: Resource, malformedStatus: number): void {
    const shape = shapeIssues(tree, type);
    if (shape.some((i) => i.severity === 'error' || i.severity === 'fatal')) {
      throw new OperationOutcomeError(malformedStatus, shape);
    }
    const issues = this.pipeline.validate(plain);
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal'))
      throw new OperationOutcomeError(422, issues);
  }

  private currentDoc(v: VersionDoc, json: string | undefined, known?: SearchIndex): ResourceDoc {
    const index =
      known ??
      (json === undefined ? { idx: {}, sort: {} } : this.pipeline.index(JSON.parse(json) as Resource));
    const doc: ResourceDoc = {
      _id: `${v.type}/${v.id}`,
      type: v.type,
      id: v.id,
      versionId: v.versionId,
      lastUpdated: v.lastUpdated,
      deleted: v.deleted,
      idx: index.idx,
      sort: index.sort,
    };
    if (v.blob !== undefined) doc.blob = v.blob;
    return doc;
  }

  /** Brings the current view up to version `v` unless it already holds that or a newer one. */
  /** `fresh`: a new server-assigned id, which no other writer can know yet (nothing to converge with). */
  async materialise(
    v: VersionDoc,
    json: string | undefined,
    fresh = false,
    index?: SearchIndex,
  ): Promise<void> {
    const doc = this.currentDoc(v, json, index);
    if (this.atomicConditionalWrites) {
      // MongoDB: one conditional replace, served by the _id index and atomic.
      const replaced = await this.c.resources.replaceOne(
        { _id: doc._id, versionId: { $lt: v.versionId } },
        doc,
      );
      if (replaced.matchedCount === 0) await this.insertView(doc);
      return;
    }
    // FerretDB hands only an `_id`-only filter down to SQLite; any other condition decodes the whole collection.
    // So: look, then write by _id, then converge (which repairs what a concurrent writer interleaved).
    const cur =
      v.versionId === 1 ? null : await this.co.findById(this.c.resources, doc._id, { versionId: 1 });
    if (!cur) {
      if ((await this.insertView(doc)) && fresh) return;
    } else if (cur.versionId < v.versionId) await this.c.resources.replaceOne({ _id: doc._id }, doc);
    await this.converge(v.type, v.id);
  }

  /** Whether it inserted; false when a view was there already (with this version or a newer one). */
  private async insertView(doc: ResourceDoc): Promise<boolean> {
    try {
      await this.co.insert(this.c.resources, doc);
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return false;
    }
  }

  /** The current view for many versions at once (a committed transaction): inserts in bulk, replaces the rest. */
  async materialiseMany(
    writes: Array<{ doc: VersionDoc; json?: string; index?: SearchIndex }>,
  ): Promise<void> {
    const fresh = writes.filter((w) => w.doc.versionId === 1);
    const rest = writes.filter((w) => w.doc.versionId !== 1);
    const retry: typeof writes = [];
    let inserted: typeof writes = [];
    if (fresh.length > 0) {
      try {
        await this.c.resources.insertMany(
          fresh.map((w) => this.currentDoc(w.doc, w.json, w.index)),
          { ordered: false },
        );
        inserted = fresh;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        retry.push(...fresh); // some existed (a repaired or concurrent write): the careful path sorts it out
      }
    }
    const replaced: typeof writes = [];
    if (rest.length > 0) {
      // One scan for the views, one delete, one insert: a reader in between finds no view and reads the versions.
      const ids = rest.map((w) => `${w.doc.type}/${w.doc.id}`);
      const views = await this.c.resources
        .find({ _id: { $in: ids } }, { projection: { versionId: 1 } })
        .toArray();
      const have = new Map(views.map((v) => [v._id, v.versionId]));
      const older = rest.filter((w) => (have.get(`${w.doc.type}/${w.doc.id}`) ?? 0) < w.doc.versionId);
      retry.push(...rest.filter((w) => !older.includes(w)));
      if (older.length > 0) {
        await this.c.resources.deleteMany({ _id: { $in: older.map((w) => `${w.doc.type}/${w.doc.id}`) } });
        try {
          await this.c.resources.insertMany(
            older.map((w) => this.currentDoc(w.doc, w.json, w.index)),
            { ordered: false },
          );
          replaced.push(...older);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          retry.push(...older);
        }
      }
    }
    for (const w of retry) await this.materialise(w.doc, w.json, false, w.index);
    if (!this.atomicConditionalWrites) {
      await this.convergeReplaced(replaced);
      await this.convergeSuperseded(inserted);
    }
  }

  /** Re-reads replaced views: a concurrent writer on FerretDB may have interleaved an older one (see converge). */
  private async convergeReplaced(writes: Array<{ doc: VersionDoc }>): Promise<void> {
    if (writes.length === 0) return;
    const views = await this.c.resources
      .find(
        { _id: { $in: writes.map((w) => `${w.doc.type}/${w.doc.id}`) } },
        { projection: { versionId: 1 } },
      )
      .toArray();
    const seen = new Map(views.map((v) => [v._id, v.versionId]));
    for (const w of writes) {
      if ((seen.get(`${w.doc.type}/${w.doc.id}`) ?? 0) < w.doc.versionId)
        await this.converge(w.doc.type, w.doc.id);
    }
  }

  /**
   * A first view inserted where none was can only fall behind a second version written since (nothing older exists
   * to interleave), so asking `versions` for version 2 suffices: an `_id` lookup that reads no view documents.
   */
  private async convergeSuperseded(writes: Array<{ doc: VersionDoc }>): Promise<void> {
    if (writes.length === 0) return;
    const next = await this.c.versions
      .find(
        { _id: { $in: writes.map((w) => versionKey(w.doc.type, w.doc.id, w.doc.versionId + 1)) } },
        { projection: { type: 1, id: 1 } },
      )
      .toArray();
    for (const v of next) await this.converge(v.type, v.id);
  }

  private async currentVersionId(type: string, id: string): Promise<number | undefined> {
    const d = await this.co.findById(this.c.resources, `${type}/${id}`, { versionId: 1 });
    return d?.versionId;
  }

  /** Re-reads both sides and rewrites the view from the newest version until they agree (FerretDB interleavings). */
  async converge(type: string, id: string): Promise<void> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const cur = await this.c.resources.findOne(
        { _id: `${type}/${id}` },
        { projection: { versionId: 1, pending: 1 } },
      );
      const latest = await this.latestVersion(type, id, cur?.versionId ?? 0);
      if (!latest) return;
      const hinted = cur?.pending !== undefined && cur.pending > cur.versionId;
      if (cur && cur.versionId >= latest.versionId && !hinted) return;
      const doc = this.currentDoc(latest, await this.textOf(latest));
      if (cur) await this.c.resources.replaceOne({ _id: doc._id }, doc);
      else {
        try {
          await this.c.resources.insertOne(doc);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
    }
  }
}

/** The `meta.security` of a stored resource text. */
export function securityOf(json: string): SecurityLabel[] {
  const meta = (JSON.parse(json) as { meta?: { security?: unknown } }).meta;
  return Array.isArray(meta?.security) ? (meta.security as SecurityLabel[]) : [];
}

function sameContent(tree: JsonObject, stored: JsonObject): boolean {
  return canonicalText(contentOf(tree)) === canonicalText(contentOf(stored));
}

/** Now, but always after the previous version, so history order and `_since` are strict per resource. */
function nextTimestamp(previous: Date | undefined): Date {
  const now = new Date();
  return previous && now.getTime() <= previous.getTime() ? new Date(previous.getTime() + 1) : now;
}

/**
 * Runs `attempt` again every 25 ms while a transaction still in progress holds what it reads ({@link TransactionLock}),
 * for up to {@link TRANSACTION_WAIT_MS}; then 409.
 */
export async function waitOutTransactions<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + TRANSACTION_WAIT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof TransactionLock)) throw err;
      if (Date.now() > deadline) {
        throw new OperationOutcomeError(409, [
          {
            severity: 'error',
            code: 'lock-error',
            diagnostics: `${err.resource} is being written by a transaction; try again`,
          },
        ]);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Whether a text key names a version (`Type/id/n`, text inline) rather than a blob (a UUID, no slash). */
const inVersion = (blob: string): boolean => blob.includes('/');

/** A new server-assigned resource id. */
export function newId(): string {
  return crypto.randomUUID();
}

export function fromDoc(d: ResourceDoc | VersionDoc | Head): StoredResource {
  const out: StoredResource = {
    type: d.type,
    id: d.id,
    versionId: d.versionId,
    lastUpdated: d.lastUpdated,
    deleted: d.deleted,
  };
  return out;
}
