// Reads of the version log for the history interactions (http.html#history): newest first, keyset-paged on hkey.
import type { Filter } from 'mongodb';
import type { Collections, VersionDoc } from './collections';

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
}

export interface HistoryPage {
  versions: VersionDoc[];
  /** Whether older entries exist beyond this page. */
  hasOlder: boolean;
  /** Whether newer entries exist before this page. */
  hasNewer: boolean;
  total?: number;
}

const AT_SCAN_LIMIT = 10_000;

export async function readHistory(c: Collections, q: HistoryQuery): Promise<HistoryPage> {
  const scope: Filter<VersionDoc> = {};
  if (q.type !== undefined) scope.type = q.type;
  if (q.id !== undefined) scope.id = q.id;
  const filter: Filter<VersionDoc> = { ...scope };
  const range: { $gte?: Date; $lt?: Date } = {};
  if (q.since) range.$gte = q.since;
  if (q.at) range.$lt = q.at.end;
  if (range.$gte || range.$lt) filter.lastUpdated = range;

  let candidates: VersionDoc[] | undefined;
  if (q.at) candidates = await versionsCurrentAt(c, filter, scope, q.at);

  const page = await pageOf(c, filter, candidates, q);
  const shown = await Promise.all(page.versions.map((v) => q.visible(v)));
  page.versions = page.versions.filter((_, i) => shown[i]);
  if (q.id !== undefined) {
    const all = candidates ?? (await c.versions.find(filter, { projection: { txn: 1 } }).toArray());
    const shownAll = await Promise.all(all.map((v) => q.visible(v)));
    page.total = shownAll.filter(Boolean).length;
  }
  return page;
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
  const f: Filter<VersionDoc> = { ...filter };
  if (bound !== undefined) f.hkey = newerFirst ? { $lt: bound } : { $gt: bound };
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
    .find({ ...inWindow, lastUpdated: { $gte: at.start, $lt: at.end } })
    .sort({ hkey: -1 })
    .limit(AT_SCAN_LIMIT)
    .toArray();
  const before = await c.versions
    .find({ ...scope, lastUpdated: { $lt: at.start } })
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
