// Keyset paging (search.html#paging): an opaque cursor holds the sort values and `_id` of the last (or first)
// entry of a page, so the next page starts right after it however many resources arrived in between.
import { badRequest } from '../fhir/outcome';

export interface Cursor {
  /** `n`: the page after `values`; `p`: the page before them. */
  dir: 'n' | 'p';
  /** The values of every sort field of the boundary entry, `_id` last. */
  values: string[];
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
      if (values.every((v): v is string => typeof v === 'string')) return { dir, values };
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
 * (f0 > v0) or (f0 = v0 and f1 > v1) or ... with > turned into < for descending fields.
 */
export function keysetFilter(
  sort: Array<[string, 1 | -1]>,
  values: string[],
  backwards: boolean,
): Record<string, unknown> {
  const or: Array<Record<string, unknown>> = [];
  for (let i = 0; i < sort.length; i++) {
    const clause: Record<string, unknown> = {};
    for (let j = 0; j < i; j++) clause[sort[j]?.[0] ?? ''] = values[j];
    const [field = '', dir = 1] = sort[i] ?? [];
    const ascending = (dir === 1) !== backwards;
    clause[field] = { [ascending ? '$gt' : '$lt']: values[i] };
    or.push(clause);
  }
  return { $or: or };
}
