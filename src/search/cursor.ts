// Keyset paging (search.html#paging): an opaque cursor holds the sort values and `_id` of the last (or first)
// entry of a page, so the next page starts right after it however many resources arrived in between.
import { badRequest } from '../fhir/outcome';

/** A sort value of the boundary entry: a string, the `true` flag, or null when the resource lacks it. */
export type CursorValue = string | true | null;

export interface Cursor {
  /** `n`: the page after `values`; `p`: the page before them. */
  dir: 'n' | 'p';
  /** The values of every sort field of the boundary entry, `_id` last. */
  values: CursorValue[];
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.dir, ...c.values]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, fields: number): Cursor {
  try {
    const raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    const arr: unknown[] = Array.isArray(raw) ? raw : [];
    const dir = arr[0];
    if ((dir === 'n' || dir === 'p') && arr.length === fields + 1) {
      const values = arr.slice(1);
      if (values.every((v): v is CursorValue => typeof v === 'string' || v === true || v === null)) {
        return { dir, values };
      }
    }
  } catch {
    // reported below
  }
  throw badRequest(
    '_cursor: not a cursor of this search (the search changed or the link was edited)',
    '_cursor',
  );
}

/**
 * The filter for entries strictly after `values` in the order `sort` (or before, when `backwards`):
 * (f0 after v0) or (f0 = v0 and f1 after v1) or ... A missing value sorts before every value in ascending
 * order and after every value in descending order, as in MongoDB.
 */
export function keysetFilter(
  sort: Array<[string, 1 | -1]>,
  values: CursorValue[],
  backwards: boolean,
): Record<string, unknown> {
  const equal = (field: string, v: CursorValue): Record<string, unknown> =>
    v === null ? { [field]: { $exists: false } } : { [field]: v };
  const after = (field: string, v: CursorValue, ascending: boolean): Record<string, unknown> | undefined => {
    if (ascending) return v === null ? { [field]: { $exists: true } } : { [field]: { $gt: v } };
    return v === null ? undefined : { $or: [{ [field]: { $lt: v } }, { [field]: { $exists: false } }] };
  };
  const or: Array<Record<string, unknown>> = [];
  for (let i = 0; i < sort.length; i++) {
    const [field = '', dir = 1] = sort[i] ?? [];
    const next = after(field, values[i] ?? null, (dir === 1) !== backwards);
    if (!next) continue;
    const clause: Array<Record<string, unknown>> = [];
    for (let j = 0; j < i; j++) clause.push(equal(sort[j]?.[0] ?? '', values[j] ?? null));
    clause.push(next);
    or.push(clause.length === 1 ? next : { $and: clause });
  }
  return or.length ? { $or: or } : { _id: { $in: [] } };
}
