// The storage contract of the search: plain MongoDB-shaped calls on the `resources` collection, which holds
// the current version of every resource as `{ _id: "Type/id", type, id, versionId, lastUpdated, deleted, json,
// idx, sort }`. Storage implements it; the search never imports a database driver.
import type { KeyRange } from './keys';
import type { StoredIdx } from './types/common';

export interface StoredRow {
  _id: string;
  type: string;
  id: string;
  json: string;
  /** Where the text is, for `texts` (storage's key of the version or blob). */
  blob?: string;
  idx?: StoredIdx;
  sort?: Record<string, unknown>;
}

export interface SearchStore {
  find(
    filter: object,
    opts: { sort?: Array<[string, 1 | -1]>; limit?: number; projection?: Record<string, 0 | 1> },
  ): Promise<StoredRow[]>;
  count(filter: object): Promise<number>;
  /**
   * The keys of the ordered search index (keys.ts) in `range`, in key order (descending: from the end), at most
   * `limit`. Absent: the search reads the current views alone.
   */
  readKeys?(range: KeyRange, limit: number, descending?: boolean): Promise<string[]>;
  /**
   * Fills in the text of rows read without it (a projection with `blob` and without `json`), so that a page decodes
   * the texts of the resources it returns and of no other.
   */
  texts(rows: StoredRow[]): Promise<void>;
  /**
   * The same store for one request: its reads stop when `signal` aborts (the client went away), and no new one
   * starts. Absent: the store cannot be stopped.
   */
  abortable?(signal: AbortSignal): SearchStore;
}

export interface SearchHooks {
  /**
   * Adds constraints to every query the search makes on `type` (matches, totals, chains, `_has`, includes,
   * revincludes, paging): the place for access rules, so nothing is reachable through a side door. `on` says what
   * the filter reads: 'current' is the resources view (type, id, versionId, lastUpdated, deleted, idx, sort);
   * 'history' is the version log of the history interactions, whose documents have type, id, versionId,
   * lastUpdated, deleted and method but no idx (a hook that needs idx there should answer a filter on id).
   */
  constrain?: (type: string, filter: object, on?: 'current' | 'history') => object;
  /** The most resources one chain or `_has` link may find before the search is refused as too costly. */
  maxChainResults?: number;
  /** The most resources `_include`/`_revinclude` add to one page. */
  maxIncludes?: number;
  /** The most rounds of `:iterate` includes (the first round counts). */
  maxIncludeIterations?: number;
}

export interface Entry {
  type: string;
  id: string;
  json: string;
}

export interface SearchResult {
  matches: Entry[];
  includes: Entry[];
  total?: number;
  nextCursor?: string;
  prevCursor?: string;
}
