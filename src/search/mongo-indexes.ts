// The MongoDB indexes the search's query shapes need (database.md rule 10), and the check that a built
// query can use one of them. FerretDB scans anyway; these are for production MongoDB.
import { sortFields } from './extract';

export type IndexSpec = Record<string, 1 | -1>;

/** Parameters sorted often enough to deserve an index of their own (other sorts are in-memory sorts). */
export const INDEXED_SORTS = [
  '_lastUpdated',
  'date',
  'birthdate',
  'family',
  'name',
  'given',
  'authored',
  'period',
];

export function searchIndexes(): IndexSpec[] {
  const out: IndexSpec[] = [
    { type: 1, deleted: 1, _id: 1 },
    { type: 1, id: 1 },
    { type: 1, 'idx.k': 1 },
    { type: 1, 'idx.r': 1 },
    { type: 1, 'idx.rh': 1 },
    { type: 1, 'idx.p': 1 },
  ];
  for (const code of INDEXED_SORTS) {
    for (const descending of [false, true]) {
      out.push({ type: 1, ...Object.fromEntries(sortFields(code, descending)), _id: 1 });
    }
  }
  return out;
}

type Doc = Record<string, unknown>;
/** How a condition bounds an index key: one value, several values, or an interval. */
type Bound = 'eq' | 'in' | 'range';

function boundOf(cond: unknown): Bound | undefined {
  if (typeof cond !== 'object' || cond === null || cond instanceof Date) return 'eq';
  const c = cond as Doc;
  if ('$in' in c) return 'in';
  if ('$gt' in c || '$gte' in c || '$lt' in c || '$lte' in c) return 'range';
  if (typeof c.$regex === 'string' && c.$regex.startsWith('^')) return 'range'; // an anchored prefix
  return undefined; // $exists and the like bound nothing
}

/** The conditions every match meets (top level and `$and` members) and the `$or` groups among them. */
function conjuncts(filter: Doc, fields = new Map<string, Bound>(), ors: Doc[][] = []) {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and') for (const sub of v as Doc[]) conjuncts(sub, fields, ors);
    else if (k === '$or') ors.push(v as Doc[]);
    else if (!k.startsWith('$')) {
      const b = boundOf(v);
      const had = fields.get(k);
      // Several conditions on one key: the tightest one bounds the scan.
      if (b && (had === undefined || b === 'eq' || (b === 'in' && had === 'range'))) fields.set(k, b);
    }
  }
  return { fields, ors };
}

export interface Coverage {
  /** Some index's leading key(s) are bounded by the filter (equality, `$in` or a range on the first keys). */
  usable: boolean;
  /** An index narrows the candidates beyond the resource type (and `deleted`). */
  selective: boolean;
  /** A sort was asked for and an index delivers it after an equality prefix, without an in-memory sort. */
  sorted: boolean;
  /** Unsorted and selecting by type alone (a count, a negation): reading the type's index range is the best plan. */
  typeWide: boolean;
}

const TYPE_KEYS = new Set(['type', 'deleted']);

function direct(
  fields: Map<string, Bound>,
  sort: Array<[string, 1 | -1]>,
  indexes: IndexSpec[],
): Omit<Coverage, 'typeWide'> {
  let usable = false;
  let selective = false;
  let sorted = false;
  for (const index of indexes) {
    const keys = Object.entries(index);
    let n = 0;
    while (n < keys.length) {
      const b = fields.get(keys[n]?.[0] ?? '');
      if (!b) break;
      n++;
      if (b === 'range') break; // keys after a range cannot bound the scan
    }
    if (n > 0) usable = true;
    if (keys.slice(0, n).some(([k]) => !TYPE_KEYS.has(k))) selective = true;
    if (sort.length === 0) continue;
    // Sorted: the keys before the sort keys are bound to one value each, then the sort keys, same or reversed.
    let e = 0;
    while (e < keys.length && fields.get(keys[e]?.[0] ?? '') === 'eq' && keys[e]?.[0] !== sort[0]?.[0]) e++;
    const rest = keys.slice(e, e + sort.length);
    const same =
      rest.length === sort.length && rest.every(([k, d], i) => k === sort[i]?.[0] && d === sort[i]?.[1]);
    const reversed =
      rest.length === sort.length &&
      rest.every(([k, d], i) => k === sort[i]?.[0] && d === -(sort[i]?.[1] ?? 0));
    if (same || reversed) sorted = true;
  }
  return { usable, selective, sorted };
}

function cover(
  filter: Doc,
  inherited: Map<string, Bound>,
  sort: Array<[string, 1 | -1]>,
  indexes: IndexSpec[],
): Coverage {
  const { fields, ors } = conjuncts(filter, new Map(inherited));
  const best = { ...direct(fields, sort, indexes), typeWide: false };
  let wideOrs = true;
  // An $or is served by one index scan per branch (the conditions around it hold in every branch).
  for (const branches of ors) {
    const each = branches.map((b) => cover(b, fields, sort, indexes));
    if (each.every((c) => c.usable)) best.usable = true;
    if (each.every((c) => c.usable && c.selective)) best.selective = true;
    if (each.every((c) => c.usable && c.sorted)) best.sorted = true;
    if (!each.every((c) => c.typeWide)) wideOrs = false;
  }
  // Reading a whole type is the best plan for a count or a negation, not when it must then be sorted in memory.
  best.typeWide =
    best.usable && sort.length === 0 && wideOrs && [...fields.keys()].every((k) => TYPE_KEYS.has(k));
  return best;
}

/** How the declared indexes serve one query the search built. */
export function coverage(
  filter: object,
  sort: Array<[string, 1 | -1]> | undefined,
  indexes = searchIndexes(),
): Coverage {
  return cover(filter as Doc, new Map(), sort ?? [], indexes);
}

/** A query is served well: an index bounds it, and it is either narrowed, delivered in order, or type-wide. */
export const covered = (c: Coverage): boolean => c.usable && (c.selective || c.sorted || c.typeWide);
