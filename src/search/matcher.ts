// Evaluates the filters the search builds against a stored document in the application (MongoDB semantics:
// a condition on an array holds when some element meets it). Used only to combine exact tests with plain
// filters inside one OR, on candidates already returned by the database.
type Doc = Record<string, unknown>;

function get(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Doc)[key];
  }
  return cur;
}

function cmp(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function scalarMatches(v: unknown, cond: unknown): boolean {
  if (typeof cond !== 'object' || cond === null || cond instanceof Date || Array.isArray(cond)) {
    return cond instanceof Date ? v instanceof Date && v.getTime() === cond.getTime() : v === cond;
  }
  for (const [op, arg] of Object.entries(cond as Doc)) {
    const ok = (() => {
      switch (op) {
        case '$in':
          return (arg as unknown[]).some((a) => scalarMatches(v, a));
        case '$regex':
          return typeof v === 'string' && new RegExp(arg as string).test(v);
        case '$gt':
          return v !== undefined && cmp(v, arg) > 0;
        case '$gte':
          return v !== undefined && cmp(v, arg) >= 0;
        case '$lt':
          return v !== undefined && cmp(v, arg) < 0;
        case '$lte':
          return v !== undefined && cmp(v, arg) <= 0;
        default:
          throw new Error(`matcher: unsupported operator ${op}`);
      }
    })();
    if (!ok) return false;
  }
  return true;
}

function fieldMatches(value: unknown, cond: unknown): boolean {
  if (typeof cond === 'object' && cond !== null && '$exists' in cond) {
    return (value !== undefined) === Boolean((cond as Doc).$exists);
  }
  if (!Array.isArray(value)) return scalarMatches(value, cond);
  // Per operator, some element (MongoDB's semantics without $elemMatch).
  if (typeof cond === 'object' && cond !== null && !(cond instanceof Date)) {
    return Object.entries(cond as Doc).every(([op, arg]) =>
      value.some((v) => scalarMatches(v, { [op]: arg })),
    );
  }
  return value.some((v) => scalarMatches(v, cond));
}

export function matchFilter(filter: Doc, doc: Doc): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    let ok: boolean;
    if (key === '$and') ok = (cond as Doc[]).every((f) => matchFilter(f, doc));
    else if (key === '$or') ok = (cond as Doc[]).some((f) => matchFilter(f, doc));
    else if (key === '$nor') ok = !(cond as Doc[]).some((f) => matchFilter(f, doc));
    else ok = fieldMatches(get(doc, key), cond);
    if (!ok) return false;
  }
  return true;
}

export const matcherOf =
  (filter: Doc) =>
  (doc: object): boolean =>
    matchFilter(filter, doc as Doc);
