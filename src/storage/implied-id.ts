// FerretDB hands only a top-level `_id` condition to SQLite's index (scripts/ferretdb/patches/); any
// other filter decodes every document of the collection. A search filter usually says more than it shows there:
// an `_id` list deep in an `$and` (includes, identifier candidates), or `type: "Observation"`, which on `resources`
// means `_id` starts with "Observation/". This lifts what the conjunction implies to the top, so that SQLite reads
// only those rows; the whole filter still applies to them, so the answer is the same.

type Filter = Record<string, unknown>;

/** `_id` values, or every `_id` with a prefix, that each document matching a filter must have. */
type IdBound = { in: string[] } | { prefix: string };

/** Keys of conjuncts of `f`: its own, and those of its `$and` members, recursively (never inside `$or`/`$nor`). */
function* conjuncts(f: Filter): Generator<[string, unknown]> {
  for (const [k, v] of Object.entries(f)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const member of v) if (member && typeof member === 'object') yield* conjuncts(member as Filter);
    } else yield [k, v];
  }
}

function boundOf(key: string, v: unknown): IdBound | undefined {
  if (key === '_id') {
    if (typeof v === 'string') return { in: [v] };
    const list = (v as { $in?: unknown } | null)?.$in;
    if (
      Array.isArray(list) &&
      Object.keys(v as object).length === 1 &&
      list.every((x) => typeof x === 'string')
    )
      return { in: list };
  }
  if (key === 'type' && typeof v === 'string' && /^[A-Za-z]+$/.test(v)) return { prefix: `${v}/` };
  return undefined;
}

/**
 * `filter` with its implied `_id` condition at the top (the smallest list, else a type's prefix), or unchanged
 * when it has a top-level `_id` already or implies none. `prefixes`: whether a type may stand for its range.
 */
export function withImpliedId(filter: object, prefixes: boolean): object {
  const f = filter as Filter;
  if ('_id' in f) return filter;
  let best: IdBound | undefined;
  for (const [k, v] of conjuncts(f)) {
    const b = boundOf(k, v);
    if (!b || ('prefix' in b && !prefixes)) continue;
    if (!best || ('in' in b && ('prefix' in best || b.in.length < best.in.length))) best = b;
  }
  if (!best) return filter;
  if ('in' in best) return { ...f, _id: { $in: best.in } };
  return { ...f, _id: prefixRange(best.prefix) };
}

/** Every string that starts with `p`: the form the build patch hands to SQLite as a range of its `_id` index. */
export function prefixRange(p: string): { $gte: string; $lt: string } {
  return { $gte: p, $lt: p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1) };
}
