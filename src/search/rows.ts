// One page of matching rows in keyset order (search.html#paging), read the cheapest way the plan allows:
// - the candidates the ordered index names, in `_id` order, a page's worth of views at a time;
// - a `_sort` on a parameter: the index's sort keys walked in order, deciding a few views at a time;
// - otherwise the views of the type in the database's order, with the filter.
import { type CursorValue, keysetFilter } from './cursor';
import { encodeCode } from './encode';
import { planCandidates } from './candidates';
import type { KeyPlan } from './key-plan';
import { keyTarget, sortFrom, sortKeyed, sortRange, sortValueOf, type KeyRange } from './keys';
import type { QueryContext } from './query';
import type { SortKey } from './request';
import type { StoredRow } from './store';
import type { Predicate } from './types/common';

export type SortSpec = Array<[string, 1 | -1]>;

export interface Plan {
  ctx: QueryContext;
  /** The database filter over every requested type (without paging), through the access hook. */
  filter: object;
  test?: Predicate['test'];
  /** One type searched: its name, its key plan, and the candidates the ordered index names (sorted `Type/id`). */
  type?: string;
  plan?: KeyPlan;
  candidates?: string[];
  /** For reads of chunks of ids: the filter without the candidates' `_id` list (which the chunk replaces). */
  idFilter?: object;
}

/** Candidates up to this many are decided in one query; more are walked in sort order. */
const DECIDE_AT_ONCE = 256;
const MAX_WALK_BATCH = 1024;
/** Views a sort walk turns down before it lists the candidates to pass the others by without reading them. */
const REJECTIONS_BEFORE_MEMBERS = 256;
/** Keys a sort walk reads to list those candidates (a wider list would cost more than the views it spares). */
const MAX_MEMBER_KEYS = 65_536;

export const withAnd = (a: object, b: object | undefined): object => (b ? { $and: [a, b] } : a);

/** The value of a sort field of a returned row (`sort.-date` is `row.sort['-date']`). */
export function fieldValue(row: StoredRow, field: string): CursorValue {
  if (field === '_id') return row._id;
  const v = row.sort?.[field.slice('sort.'.length)];
  return typeof v === 'string' || v === true ? v : null;
}

const boundaryOf = (sort: SortSpec, row: StoredRow): CursorValue[] => sort.map(([f]) => fieldValue(row, f));

export interface PageRead {
  sort: SortSpec;
  /** The cursor's boundary values (exclusive). */
  after: CursorValue[] | undefined;
  backwards: boolean;
  want: number;
  projection: Record<string, 0 | 1>;
  /** The request's `_sort` (the walk serves one parameter). */
  sortKeys: SortKey[];
}

export async function readRows(p: Plan, r: PageRead): Promise<StoredRow[]> {
  if (p.candidates && r.sort.length === 1 && r.sort[0]?.[0] === '_id') return readCandidates(p, r);
  const one = r.sortKeys.length === 1 ? r.sortKeys[0] : undefined;
  const walkable =
    one !== undefined &&
    one.code !== '_id' &&
    p.type !== undefined &&
    sortKeyed(p.type, one.code) &&
    !r.backwards &&
    p.ctx.store.readKeys !== undefined &&
    (p.candidates === undefined || p.candidates.length > DECIDE_AT_ONCE);
  if (walkable) return walkSorted(p, r, p.type!, one.code, one.descending);
  return scanViews(p, r);
}

/** The views in the order of `sort`, after the boundary, read in batches with the filter. */
async function scanViews(p: Plan, r: PageRead): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  const querySort: SortSpec = r.backwards ? r.sort.map(([f, d]) => [f, d === 1 ? -1 : 1]) : r.sort;
  // Candidates failing the exact test are rare; a generous batch keeps the number of scans low on FerretDB.
  const batch = p.test ? Math.max(r.want * 4, 200) : r.want;
  let boundary = r.after;
  for (;;) {
    const filter = withAnd(p.filter, boundary ? keysetFilter(r.sort, boundary, r.backwards) : undefined);
    const rows = await p.ctx.store.find(filter, { sort: querySort, limit: batch, projection: r.projection });
    for (const row of rows) {
      if (!p.test || p.test(row)) out.push(row);
      if (out.length >= r.want) return out;
    }
    const last = rows[rows.length - 1];
    if (rows.length < batch || !last) return out;
    boundary = boundaryOf(r.sort, last);
  }
}

/** The candidates in `_id` order after the boundary, deciding about a page's worth of views per query. */
async function readCandidates(p: Plan, r: PageRead): Promise<StoredRow[]> {
  const ascending = (r.sort[0]?.[1] === 1) !== r.backwards;
  const from = r.after?.[0];
  let ids = ascending ? p.candidates! : [...p.candidates!].reverse();
  if (typeof from === 'string') ids = ids.filter((id) => (ascending ? id > from : id < from));
  const out: StoredRow[] = [];
  for (let i = 0; i < ids.length && out.length < r.want;) {
    const chunk = ids.slice(i, i + Math.max(r.want - out.length, 20));
    i += chunk.length;
    const rows = await p.ctx.store.find(withAnd(p.idFilter ?? p.filter, { _id: { $in: chunk } }), {
      projection: r.projection,
    });
    const byId = new Map(rows.map((row) => [row._id, row]));
    for (const id of chunk) {
      const row = byId.get(id);
      if (row && (!p.test || p.test(row))) out.push(row);
    }
  }
  return out.slice(0, r.want);
}

/** Orders rows as `sort` does: the field of the parameter (ascending or descending), then `_id`. */
function compareBy(field: string, descending: boolean) {
  return (a: StoredRow, b: StoredRow): number => {
    const va = fieldValue(a, `sort.${field}`) ?? '';
    const vb = fieldValue(b, `sort.${field}`) ?? '';
    if (va !== vb) return (va < vb ? -1 : 1) * (descending ? -1 : 1);
    return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
  };
}

/**
 * `_sort` on one parameter: the sort keys of the index in order (the smallest values ascending, the largest
 * descending), a growing batch at a time, each batch's resources decided on their views. Resources without a value
 * come after every resource with one, in both directions: once the keys run out, the views give them.
 */
async function walkSorted(
  p: Plan,
  r: PageRead,
  type: string,
  code: string,
  descending: boolean,
): Promise<StoredRow[]> {
  const field = descending ? `-${encodeCode(code)}` : encodeCode(code);
  const start = r.after?.[descending ? 0 : 1];
  if (r.after && typeof start !== 'string') return scanViews(p, r); // past the resources with a value
  let at: KeyRange = sortRange(type, code, descending);
  if (typeof start === 'string') {
    const from = sortFrom(type, code, descending, start);
    at = descending ? { ...at, $lt: from } : { ...at, $gte: from };
  }
  const filter = withAnd(p.idFilter ?? p.filter, r.after ? keysetFilter(r.sort, r.after, false) : undefined);
  let members = p.candidates ? new Set(p.candidates) : undefined;
  const seen = new Set<string>();
  const order = compareBy(field, descending);
  const out: StoredRow[] = [];
  let rejected = 0;
  /** Whether the page is settled: it is full, and the walk has passed the value of its last row. */
  const settled = (key: string): boolean => {
    if (out.length < r.want) return false;
    out.sort(order);
    const bound = fieldValue(out[r.want - 1]!, `sort.${field}`);
    const reached = sortValueOf(key);
    return typeof bound === 'string' && (descending ? reached < bound : reached > bound);
  };
  for (let batch = Math.max(2 * r.want, 16); ; batch = Math.min(2 * batch, MAX_WALK_BATCH)) {
    const keys = await p.ctx.store.readKeys!(at, batch, descending);
    for (let i = 0; i < keys.length;) {
      // Views are decided a page's worth at a time, in the walk's order, so a page reads few more than it returns.
      const chunk: string[] = [];
      let key = keys[i]!;
      while (i < keys.length && chunk.length < Math.max(r.want - out.length, 8)) {
        key = keys[i++]!;
        const id = `${type}/${keyTarget(key).id}`;
        if (seen.has(id) || (members && !members.has(id))) continue;
        seen.add(id);
        chunk.push(id);
      }
      if (chunk.length > 0) {
        const rows = await p.ctx.store.find(withAnd(filter, { _id: { $in: chunk } }), {
          projection: r.projection,
        });
        // A row found by an older version's key but without a value now comes with the rest, from the views.
        const kept = rows.filter((row) => row.sort?.[field] !== undefined && (!p.test || p.test(row)));
        out.push(...kept);
        rejected += chunk.length - kept.length;
      }
      if (settled(key)) return out.slice(0, r.want);
      if (!members && p.plan && rejected > REJECTIONS_BEFORE_MEMBERS) {
        // Most resources in this order do not match: list the matches' candidates once, and pass the others by.
        const listed = await planCandidates(p.ctx.store, type, p.plan, MAX_MEMBER_KEYS);
        if (listed) members = new Set(listed);
        rejected = -Infinity;
      }
    }
    const last = keys[keys.length - 1];
    if (!last || keys.length < batch) break;
    at = descending ? { ...at, $lt: last } : { $gt: last, $lt: at.$lt! };
  }
  out.sort(order);
  if (out.length >= r.want) return out.slice(0, r.want);
  const lastRow = out[out.length - 1];
  const rest = await scanViews(p, {
    ...r,
    after: lastRow ? boundaryOf(r.sort, lastRow) : r.after,
    want: r.want - out.length,
  });
  return [...out, ...rest];
}
