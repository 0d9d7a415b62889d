// Runs a parsed search against the store (search.html): one page of matches in keyset order, the total when
// asked, and the `_include`/`_revinclude` resources. Every query goes through `hooks.constrain`.
import { type CursorValue, decodeCursor, encodeCursor } from './cursor';
import { sortFields } from './extract';
import { includes } from './include';
import type { KeyPlan } from './key-plan';
import { keyCandidates, type QueryContext, requestPredicate, typeFilter } from './query';
import { fieldValue, type Plan, readRows, type SortSpec, withAnd } from './rows';
import type { SearchRequest } from './request';
import type { SearchHooks, SearchResult, SearchStore, StoredRow } from './store';
import type { Predicate } from './types/common';

/** What a row needs for its text to be read later, and for the read to remember the version it saw. */
const TEXT_HEAD = { blob: 1, versionId: 1, lastUpdated: 1, deleted: 1 } as const;

export function sortSpec(req: SearchRequest): SortSpec {
  const spec: SortSpec = req.sort.flatMap((s): SortSpec =>
    s.code === '_id' ? [['_id', s.descending ? -1 : 1]] : sortFields(s.code, s.descending),
  );
  if (!spec.some(([f]) => f === '_id')) spec.push(['_id', 1]);
  return spec;
}

async function plan(ctx: QueryContext, req: SearchRequest): Promise<Plan> {
  const perType: object[] = [];
  const plain: object[] = [];
  const tests = new Map<string, NonNullable<Predicate['test']>>();
  let candidates: string[] | undefined;
  let kp: KeyPlan = [];
  for (const type of req.types) {
    const pred = await requestPredicate(ctx, type, req.filters);
    const keyed = await keyCandidates(ctx, type, pred.filter);
    kp = keyed.plan;
    candidates = keyed.candidates;
    perType.push(typeFilter(ctx, type, keyed.filter));
    plain.push(typeFilter(ctx, type, pred.filter));
    if (pred.test) tests.set(type, pred.test);
  }
  // One type: reads of chunks of ids (candidates, a sort walk) need the filter without its list of candidates.
  const one =
    req.types.length === 1
      ? { type: req.types[0]!, plan: kp, idFilter: plain[0]!, ...(candidates && { candidates }) }
      : {};
  const filter = perType.length === 1 ? (perType[0] ?? {}) : { $or: perType };
  if (tests.size === 0) return { ctx, filter, ...one };
  return {
    ctx,
    filter,
    ...one,
    test: (doc) => (tests.get((doc as StoredRow).type) ?? (() => true))(doc),
  };
}

async function countAll(p: Plan): Promise<number> {
  if (!p.test) return p.ctx.store.count(p.filter);
  // The exact test runs over every candidate, in `_id` order by batches of ids and index entries.
  let n = 0;
  let after: string | undefined;
  for (;;) {
    const filter = withAnd(p.filter, after ? { _id: { $gt: after } } : undefined);
    const rows = await p.ctx.store.find(filter, {
      sort: [['_id', 1]],
      limit: 1000,
      projection: { _id: 1, type: 1, idx: 1 },
    });
    n += rows.filter((r) => p.test?.(r)).length;
    const last = rows[rows.length - 1];
    if (rows.length < 1000 || !last) return n;
    after = last._id;
  }
}

export async function executeSearch(
  store: SearchStore,
  req: SearchRequest,
  hooks: SearchHooks = {},
): Promise<SearchResult> {
  const ctx: QueryContext = { store, hooks, baseUrl: req.baseUrl };
  const p = await plan(ctx, req);
  const sort = sortSpec(req);
  const result: SearchResult = { matches: [], includes: [] };
  if (req.summary === 'count') {
    result.total = await countAll(p);
    return result;
  }
  const cursor = req.cursor ? decodeCursor(req.cursor, sort.length) : undefined;
  const backwards = cursor?.dir === 'p';
  const needIdx = req.include.length > 0;
  // Texts are read for the page's rows alone, once the page is known (store.texts).
  const projection: Record<string, 0 | 1> = { _id: 1, type: 1, id: 1, sort: 1, ...TEXT_HEAD };
  if (needIdx || p.test) projection.idx = 1;
  const read = {
    sort,
    after: cursor?.values,
    backwards,
    want: req.count + 1,
    projection,
    sortKeys: req.sort,
  };
  let rows = req.count === 0 ? [] : await readRows(p, read);
  const more = rows.length > req.count;
  rows = rows.slice(0, req.count);
  await store.texts(rows);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const boundary = (row: StoredRow): CursorValue[] => sort.map(([f]) => fieldValue(row, f));
  // Forward: a next page when more rows exist, a previous one when this page was not the first.
  // Backward: the mirror image.
  if (last && (backwards ? cursor !== undefined : more))
    result.nextCursor = encodeCursor({ dir: 'n', values: boundary(last) });
  if (first && (backwards ? more : cursor !== undefined))
    result.prevCursor = encodeCursor({ dir: 'p', values: boundary(first) });
  result.matches = rows.map((r) => ({ type: r.type, id: r.id, json: r.json }));
  // `_count=0` asks for the total alone (search.html#count), as in history.
  if (req.total === 'accurate' || req.count === 0) result.total = await countAll(p);
  else if (req.total === 'estimate') result.total = await store.count(p.filter);
  // The first page holds every match: the total is known without counting (clients rely on it).
  else if (cursor === undefined && !more && req.count > 0) result.total = rows.length;
  if (req.include.length || req.revinclude.length) result.includes = await includes(ctx, req, rows);
  return result;
}

export type { SearchHooks, SearchStore, SearchResult };
