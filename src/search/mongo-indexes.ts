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

/** Fields constrained in every match of the filter (top level and `$and`), plus `$or` groups. */
function mandatoryFields(filter: Doc): { fields: Set<string>; ors: Doc[][] } {
  const fields = new Set<string>();
  const ors: Doc[][] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and') {
      for (const sub of v as Doc[]) {
        const m = mandatoryFields(sub);
        m.fields.forEach((f) => fields.add(f));
        ors.push(...m.ors);
      }
    } else if (k === '$or') ors.push(v as Doc[]);
    else if (!k.startsWith('$')) fields.add(k);
  }
  return { fields, ors };
}

function selective(filter: Doc, indexes: IndexSpec[]): boolean {
  const { fields, ors } = mandatoryFields(filter);
  const seconds = indexes.map((i) => Object.keys(i)[1] ?? '');
  if (seconds.some((s) => s !== '' && s !== 'deleted' && fields.has(s))) return true;
  // An $or is served by one index per branch.
  return ors.some((branches) => branches.every((b) => selective({ type: filter.type, ...b }, indexes)));
}

export interface Coverage {
  /** An index narrows the candidates beyond the resource type. */
  selective: boolean;
  /** An index delivers the requested order without an in-memory sort. */
  sorted: boolean;
}

/** How the declared indexes serve one query the search built. */
export function coverage(
  filter: object,
  sort: Array<[string, 1 | -1]> | undefined,
  indexes = searchIndexes(),
): Coverage {
  const f = filter as Doc;
  const hasType = 'type' in f || mandatoryFields(f).fields.has('type');
  const sortFields = (sort ?? []).map(([k]) => k);
  const sorted =
    sortFields.length === 0 ||
    indexes.some((i) => {
      const keys = Object.keys(i).filter((k) => k !== 'type' && k !== 'deleted');
      return sortFields.every((s, n) => keys[n] === s);
    });
  return { selective: hasType && selective(f, indexes), sorted: hasType && sorted };
}
