// Reads of the version log for the history interactions (http.html#history): newest first, keyset-paged on hkey.
import type { Filter } from 'mongodb';
import { versionKey, type Collections, type VersionDoc } from './collections';

export interface HistoryQuery {
  type?: string;
  id?: string;
  count: number;
  since?: Date;
  /** `_at`: only versions current at some moment in [start, end). */
  at?: { start: Date; end: Date };
  /** Keyset position: entries strictly after (older than) `after`, or strictly before (newer than) `before`. */
  after?: string;
  before?: string;
  /** Versions of transactions that have not committed are left out (they may make a page shorter). */
  visible: (v: VersionDoc) => Promise<boolean>;
  /**
   * The access hook, applied to the scope of every query on the version log (page, total, `_at`): it gets a type
   * and a filter on version documents, and returns that filter with its constraints added.
   */
  constrain?: (type: string, filter: Filter<VersionDoc>) => Filter<VersionDoc>;
}

export interface HistoryPage {
  versions: VersionDoc[];
  /** Whether older entries exist beyond this page. */
  hasOlder: boolean;
  /** Whether newer entries exist before this page. */
  hasNewer: boolean;
  total?: number;
  /** The `_id`s of the page's versions that brought their resource into being (a first version, or one after a delete). */
  creates: Set<string>;
}

const AT_SCAN_LIMIT = 10_000;

export async function readHistory(c: Collections, q: HistoryQuery): Promise<HistoryPage> {
  const scope = await constrainedScope(c, q);
  const range: { $gte?: Date; $lt?: Date } = {};
  if (q.since) range.$gte = q.since;
  if (q.at) range.$lt = q.at.end;
  const filter = range.$gte || range.$lt ? and(scope, { lastUpdated: range }) : scope;

  let candidates: VersionDoc[] | undefined;
  if (q.at) candidates = await versionsCurrentAt(c, filter, scope, q.at);

  const page: HistoryPage =
    q.count === 0
      ? { versions: [], hasOlder: false, hasNewer: false, creates: new Set() }
      : await pageOf(c, filter, candidates, q);
  const shown = await Promise.all(page.versions.map((v) => q.visible(v)));
  page.versions = page.versions.filter((_, i) => shown[i]);
  const firstPageHoldsAll = q.after === undefined && q.before === undefined && !page.hasOlder;
  if (firstPageHoldsAll && q.count > 0) page.total = page.versions.length;
  else if (q.id !== undefined || q.count === 0) {
    const all = candidates ?? (await c.versions.find(filter, { projection: { txn: 1 } }).toArray());
    const shownAll = await Promise.all(all.map((v) => q.visible(v)));
    page.total = shownAll.filter(Boolean).length;
  }
  page.creates = await createsAmong(c, page.versions);
  return page;
}

/** Type and id, through the access hook; at system level, the hook's filter for each type the log holds. */
async function constrainedScope(c: Collections, q: HistoryQuery): Promise<Filter<VersionDoc>> {
  const base: Filter<VersionDoc> = {};
  if (q.type !== undefined) base.type = q.type;
  if (q.id !== undefined) base.id = q.id;
  const hook = q.constrain;
  if (!hook) return base;
  if (q.type !== undefined) return hook(q.type, base);
  const types = await c.versions.distinct('type');
  if (types.length === 0) return base;
  return { $or: types.map((t) => hook(t, { type: t })) };
}

/** Both filters; one object when their keys do not meet, so the hook's own conditions are never overwritten. */
function and(a: Filter<VersionDoc>, b: Filter<VersionDoc>): Filter<VersionDoc> {
  return Object.keys(b).some((k) => k in a) ? { $and: [a, b] } : { ...a, ...b };
}

/** Which versions followed no live version: version 1, or the one after a deleted version (a revive). */
async function createsAmong(c: Collections, versions: VersionDoc[]): Promise<Set<string>> {
  const creates = new Set(versions.filter((v) => !v.deleted && v.versionId === 1).map((v) => v._id));
  const byKey = new Map(versions.map((v) => [v._id, v]));
  const ask: string[] = [];
  for (const v of versions) {
    if (v.deleted || v.versionId === 1) continue;
    const prev = byKey.get(versionKey(v.type, v.id, v.versionId - 1));
    if (prev) {
      if (prev.deleted) creates.add(v._id);
    } else ask.push(versionKey(v.type, v.id, v.versionId - 1));
  }
  if (ask.length > 0) {
    const prevs = await c.versions
      .find({ _id: { $in: ask } }, { projection: { type: 1, id: 1, versionId: 1, deleted: 1 } })
      .toArray();
    for (const p of prevs) if (p.deleted) creates.add(versionKey(p.type, p.id, p.versionId + 1));
  }
  return creates;
}

async function pageOf(
  c: Collections,
  filter: Filter<VersionDoc>,
  candidates: VersionDoc[] | undefined,
  q: HistoryQuery,
): Promise<HistoryPage> {
  const newerFirst = q.before === undefined;
  const bound = newerFirst ? q.after : q.before;
  if (candidates) {
    const inRange = candidates.filter((v) =>
      bound === undefined ? true : newerFirst ? v.hkey < bound : v.hkey > bound,
    );
    const sorted = newerFirst ? inRange : inRange.reverse();
    return shape(sorted.slice(0, q.count + 1), q, newerFirst, candidates);
  }
  const f =
    bound === undefined ? filter : and(filter, { hkey: newerFirst ? { $lt: bound } : { $gt: bound } });
  const rows = await c.versions
    .find(f)
    .sort({ hkey: newerFirst ? -1 : 1 })
    .limit(q.count + 1)
    .toArray();
  const page = shape(rows, q, newerFirst, undefined);
  if (bound !== undefined && newerFirst) page.hasNewer = true;
  return page;
}

function shape(
  rows: VersionDoc[],
  q: HistoryQuery,
  newerFirst: boolean,
  all: VersionDoc[] | undefined,
): HistoryPage {
  const more = rows.length > q.count;
  const taken = rows.slice(0, q.count);
  const versions = newerFirst ? taken : taken.reverse();
  const hasOlderThanBound =
    all !== undefined && q.before !== undefined
      ? all.some((v) => v.hkey >= q.before!)
      : q.before !== undefined;
  return {
    versions,
    hasOlder: newerFirst ? more : hasOlderThanBound,
    hasNewer: newerFirst ? q.after !== undefined : more,
    creates: new Set(),
  };
}

/** `_at`: versions in the window plus, per resource, the one that was current when the window opened. */
async function versionsCurrentAt(
  c: Collections,
  inWindow: Filter<VersionDoc>,
  scope: Filter<VersionDoc>,
  at: { start: Date; end: Date },
): Promise<VersionDoc[]> {
  const within = await c.versions
    .find(and(inWindow, { lastUpdated: { $gte: at.start, $lt: at.end } }))
    .sort({ hkey: -1 })
    .limit(AT_SCAN_LIMIT)
    .toArray();
  const before = await c.versions
    .find(and(scope, { lastUpdated: { $lt: at.start } }))
    .sort({ hkey: -1 })
    .limit(AT_SCAN_LIMIT)
    .toArray();
  const seen = new Set<string>();
  const openers: VersionDoc[] = [];
  for (const v of before) {
    const key = `${v.type}/${v.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!v.deleted) openers.push(v);
  }
  return [...within, ...openers].sort((a, b) => (a.hkey < b.hkey ? 1 : a.hkey > b.hkey ? -1 : 0));
}
