// What interactions may do with stored resources (the storage port's interface; index.ts is the door).
import type { Claim } from './locks';
import type { HistoryPage, HistoryQuery } from './history';
import type { ReindexProgress } from './reindex';
import type { Change, Prepared, StoredResource, WriteOptions, WriteOutcome } from './repository';
import type { WritePrepared } from './transaction';

export interface FhirRepository {
  /** The current version (http.html#read); a deleted one comes back with `deleted`. */
  read(type: string, id: string): Promise<StoredResource | undefined>;
  /** One version (http.html#vread); undefined for none, or one of a transaction that has not committed. */
  vread(type: string, id: string, versionId: number): Promise<StoredResource | undefined>;
  /** A page of the version log (http.html#history), newest first, with each version's text (none for a delete). */
  history(q: Omit<HistoryQuery, 'visible'>): Promise<HistoryPage & { texts: Array<string | undefined> }>;
  /**
   * Writes the next version of `type/id` that `decide` makes of the current one (create, update, patch, delete;
   * undefined: nothing to write). Durable when it resolves.
   */
  write(
    type: string,
    id: string,
    decide: (current: StoredResource | undefined) => Change | undefined,
    opts: WriteOptions & { fresh?: boolean },
  ): Promise<WriteOutcome | undefined>;
  /** Decides and checks the next version like `write`, storing nothing: a transaction entry, for `commit`. */
  prepare(
    type: string,
    id: string,
    decide: (current: StoredResource | undefined) => Change | undefined,
    opts: WriteOptions & { fresh?: boolean },
    known?: { current: StoredResource | undefined },
  ): Promise<Prepared>;
  /** The current versions of many `Type/id`s at once (a transaction's targets), waiting out other transactions. */
  currentMany(keys: string[]): Promise<Map<string, StoredResource | undefined>>;
  /** Stores prepared writes all or nothing (http.html#transaction); `CommitConflict` when another writer won one. */
  commit(writes: WritePrepared[]): Promise<void>;
  /** Claims a conditional create's key (`Type|identifier|system|value`) for `target` (`Type/id`). */
  claim(key: string, target: string): Promise<Claim>;
  /** Claims keys in the order given, as far as it can; returns how many it won. */
  claimInOrder(claims: Array<{ key: string; target: string }>): Promise<number>;
  /** Frees a key (only while `target` holds it, when given). */
  release(key: string, target?: string): Promise<void>;
  /**
   * Erases `type/id` for good (`$expunge`): every version, its texts, the current view, its search keys, claims and
   * journal entries naming it, and what is cached of it (expunge.ts). Returns the versions removed (0: none there).
   */
  expunge(type: string, id: string): Promise<number>;
  /** Rebuilds the search index of every current resource. */
  reindex(onProgress?: (p: ReindexProgress) => void): Promise<ReindexProgress>;
}
