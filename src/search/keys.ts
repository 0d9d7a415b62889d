// The ordered search index (search.html, "index at write"): every entry of a version's search index becomes one key
// whose `_id` sorts like the entry, so a search condition is read as a range of `_id`s, the one index every database
// the server runs on answers (FerretDB's `_id`, MongoDB's `_id`). A key is
//   `x:Type|field|HEX.id.version`
// - `field`: `k` (equality and prefix entries), `r` / `rh` (ranges by low / high end), `s` / `S` (the smallest /
//   largest value of a date parameter, `code|value`, for `_sort`). Entries a search can do without, as every key
//   costs each write, have none: `p` (codes present, for the rare `:missing=false`), `code:exact|` and `code:text|`
//   (their value's normalised entry names the candidates), and sort values of other types (such a `_sort` reads
//   the views in order);
// - `HEX`: the entry's UTF-8 bytes in hex, so any entry text becomes letters and digits that every database and
//   every JSON encoder keep in byte order; `.` (below every hex digit) ends it, so an entry sorts before every entry
//   it is a prefix of, as the entry itself does;
// - `id` and `version`: the resource and the version the key belongs to. A version's keys are written before it
//   and the previous version's deleted after it, so the keys name every current resource and, for a moment or after
//   a crash, some that no longer match: a search reads keys for candidates and the current views decide.
import type { SearchIndex } from './extract';
import { encodeCode } from './encode';
import { searchParameterRegistry } from './registry';
import type { StoredIdx } from './types/common';

/** The fields of the ordered index: those of `idx`, and the sort values. */
export type KeyField = keyof StoredIdx | 's' | 'S';

const PREFIX = 'x:';

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** The key range's common start: every key of `type`'s `field`. */
export const fieldBase = (type: string, field: KeyField): string => `${PREFIX}${type}|${field}|`;

/** Whether entries of `field` that start with `head` have keys (see the header). */
export function keyed(field: KeyField, head: string): boolean {
  if (field === 'p') return false;
  const bar = head.indexOf('|');
  const code = bar < 0 ? head : head.slice(0, bar);
  if (code.endsWith(':exact') || code.endsWith(':text')) return false;
  // A head that stops inside the code could reach codes with and without keys.
  return bar >= 0 || !(field === 'k');
}

/** Whether `_sort` on `code` of `type` can walk sort keys (a date parameter). */
export function sortKeyed(type: string, code: string): boolean {
  return searchParameterRegistry().get(type, code)?.type === 'date';
}

/** Every key of one version of a resource: one per keyed index entry, two per date parameter with a value. */
export function versionKeys(type: string, id: string, version: number, index: SearchIndex): string[] {
  const tail = `.${id}.${version}`;
  const out: string[] = [];
  for (const field of ['k', 'r', 'rh'] as const) {
    for (const e of index.idx[field] ?? [])
      if (keyed(field, e)) out.push(fieldBase(type, field) + hex(e) + tail);
  }
  for (const [name, value] of Object.entries(index.sort)) {
    if (value === true || name.startsWith('?')) continue;
    const field = name.startsWith('-') ? 'S' : 's';
    const code = field === 'S' ? name.slice(1) : name;
    if (!sortKeyed(type, code)) continue;
    out.push(fieldBase(type, field) + hex(`${code}|${value}`) + tail);
  }
  return out;
}

/** The resource id and version a key names. */
export function keyTarget(key: string): { id: string; version: number } {
  const last = key.lastIndexOf('.');
  const first = key.indexOf('.', key.lastIndexOf('|'));
  return { id: key.slice(first + 1, last), version: Number(key.slice(last + 1)) };
}

/** The entry text of a key (its `HEX` decoded). */
export function keyEntry(key: string): string {
  const bar = key.lastIndexOf('|', key.indexOf('.', key.lastIndexOf('|')));
  const end = key.indexOf('.', bar);
  return Buffer.from(key.slice(bar + 1, end), 'hex').toString('utf8');
}

/** A range of keys: `_id` bounds as MongoDB reads them (each side optional, at least one given). */
export interface KeyRange {
  $gte?: string;
  $gt?: string;
  $lt?: string;
}

/** The keys of entries of `field` that equal `entry`. */
export function exactRange(type: string, field: KeyField, entry: string): KeyRange {
  const at = fieldBase(type, field) + hex(entry);
  return { $gte: `${at}.`, $lt: `${at}/` };
}

/** The keys of entries of `field` that start with `head`: from `at` to `at` with its last character one higher. */
export function prefixRange(type: string, field: KeyField, head: string): KeyRange {
  const at = fieldBase(type, field) + hex(head);
  return { $gte: at, $lt: at.slice(0, -1) + String.fromCharCode(at.charCodeAt(at.length - 1) + 1) };
}

/** Bounds on entries of `field` (`$gte`, `$gt`, `$lt`, `$lte` as in a filter on `idx.<field>`) as key bounds. */
export function boundedRange(
  type: string,
  field: KeyField,
  b: { $gte?: string; $gt?: string; $lt?: string; $lte?: string },
): KeyRange {
  const base = fieldBase(type, field);
  const lower =
    b.$gt !== undefined
      ? `${base}${hex(b.$gt)}/` // after every key of the entry itself (`.` < `/` < every hex digit)
      : b.$gte !== undefined
        ? base + hex(b.$gte)
        : base;
  const upper =
    b.$lte !== undefined ? `${base}${hex(b.$lte)}/` : b.$lt !== undefined ? base + hex(b.$lt) : `${base}g`;
  return { $gte: lower, $lt: upper };
}

/** The sort keys of `code` (ascending: smallest values; descending: largest), as one range over the field. */
export function sortRange(type: string, code: string, descending: boolean): KeyRange {
  return prefixRange(type, descending ? 'S' : 's', `${encodeCode(code)}|`);
}

/** The sort value a sort key holds (the part of its entry after `code|`). */
export function sortValueOf(key: string): string {
  const e = keyEntry(key);
  return e.slice(e.indexOf('|') + 1);
}

/** Where a walk of a sort range starts after the cursor value `value` (exclusive of keys before it). */
export function sortFrom(type: string, code: string, descending: boolean, value: string): string {
  return fieldBase(type, descending ? 'S' : 's') + hex(`${encodeCode(code)}|${value}`);
}
