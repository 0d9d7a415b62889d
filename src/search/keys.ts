// The ordered search index (search.html, "index at write"): every entry of a version's search index becomes one key
// whose `_id` sorts like the entry, so a search condition is read as a range of `_id`s, the one index every database
// the server runs on answers (FerretDB's `_id`, MongoDB's `_id`). A key is
//   `x:Type|field|ENTRY id.version`
// - `field`: `k` (equality and prefix entries), `r` / `rh` (ranges by low / high end), `s` / `S` (the smallest /
//   largest value of a date parameter, `code|value`, for `_sort`). Entries a search can do without, as every key
//   costs each write, have none: `p` (codes present, for the rare `:missing=false`), `code:exact|` and `code:text|`
//   (their value's normalised entry names the candidates), composite parameters, quantities other than unit-free
//   and canonical UCUM (`code||n`, `code|c:unit|n`), and sort values of other types: such conditions and `_sort`s
//   leave the candidates to the other conditions, or read the views;
// - `ENTRY`: the entry's UTF-8 bytes, ASCII letters and digits as themselves and every other byte as a mark and two
//   hex digits (`!` below `0`, `@` between `9` and `A`, `^` between `Z` and `a`, `~` above `z`), so keys sort by
//   the entries' bytes (MongoDB's and SQLite's string order), a prefix of an entry is a prefix of its key, and a
//   key holds only characters every JSON encoder writes as themselves; a space (below every mark and letter) ends
//   it, so an entry sorts before every entry it is a prefix of, as the entry itself does;
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

const MARK = (b: number): string | undefined =>
  b < 0x30
    ? '!'
    : b <= 0x39
      ? undefined
      : b < 0x41
        ? '@'
        : b <= 0x5a
          ? undefined
          : b < 0x61
            ? '^'
            : b <= 0x7a
              ? undefined
              : '~';

/** `ENTRY` of the header: letters and digits as themselves, any other byte as its mark and two hex digits. */
export function encodeEntry(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    const mark = MARK(b);
    out += mark === undefined ? String.fromCharCode(b) : mark + b.toString(16).padStart(2, '0');
  }
  return out;
}

function decodeEntry(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (MARK(c) === undefined) bytes.push(c);
    else {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Above every key of an entry (its resources' ids hold no character above `z`), below every longer entry. */
const PAST = ' ~';

/** The key range's common start: every key of `type`'s `field`. */
export const fieldBase = (type: string, field: KeyField): string => `${PREFIX}${type}|${field}|`;

/** Whether entries of `field` of `type` that start with `head` have keys (see the header). */
export function keyed(type: string, field: KeyField, head: string): boolean {
  if (field === 'p') return false;
  const bar = head.indexOf('|');
  // A head that stops inside the code could reach codes with and without keys.
  if (bar < 0) return field !== 'k' && head === '';
  const code = head.slice(0, bar);
  if (code.endsWith(':exact') || code.endsWith(':text')) return false;
  const kind = searchParameterRegistry().get(type, code)?.type;
  if (kind === 'composite') return false;
  if (kind === 'quantity') {
    // Only the unit-free and the canonical UCUM entries have keys (`code||n`, `code|c:unit|n`); the head must say
    // which it reaches.
    const unit = head.slice(bar + 1);
    const end = unit.indexOf('|');
    return end === 0 || (unit.startsWith('c:') && end > 0);
  }
  return true;
}

/** Whether `_sort` on `code` of `type` can walk sort keys (a date parameter). */
export function sortKeyed(type: string, code: string): boolean {
  return searchParameterRegistry().get(type, code)?.type === 'date';
}

/** Every key of one version of a resource: one per keyed index entry, two per date parameter with a value. */
export function versionKeys(type: string, id: string, version: number, index: SearchIndex): string[] {
  const tail = ` ${id}.${version}`;
  const out: string[] = [];
  for (const field of ['k', 'r', 'rh'] as const) {
    for (const e of index.idx[field] ?? [])
      if (keyed(type, field, e)) out.push(fieldBase(type, field) + encodeEntry(e) + tail);
  }
  for (const [name, value] of Object.entries(index.sort)) {
    if (value === true || name.startsWith('?')) continue;
    const field = name.startsWith('-') ? 'S' : 's';
    const code = field === 'S' ? name.slice(1) : name;
    if (!sortKeyed(type, code)) continue;
    out.push(fieldBase(type, field) + encodeEntry(`${code}|${value}`) + tail);
  }
  return out;
}

/** The resource id and version a key names. */
export function keyTarget(key: string): { id: string; version: number } {
  const last = key.lastIndexOf('.');
  const space = key.indexOf(' ');
  return { id: key.slice(space + 1, last), version: Number(key.slice(last + 1)) };
}

/** The entry text of a key (its `ENTRY` decoded). */
export function keyEntry(key: string): string {
  const space = key.indexOf(' ');
  return decodeEntry(key.slice(key.lastIndexOf('|', space) + 1, space));
}

/** A range of keys: `_id` bounds as MongoDB reads them (each side optional, at least one given). */
export interface KeyRange {
  $gte?: string;
  $gt?: string;
  $lt?: string;
}

/** The keys of entries of `field` that equal `entry`. */
export function exactRange(type: string, field: KeyField, entry: string): KeyRange {
  const at = fieldBase(type, field) + encodeEntry(entry);
  return { $gte: `${at} `, $lt: at + PAST };
}

/** The keys of entries of `field` that start with `head`: from `at` to `at` with its last character one higher. */
export function prefixRange(type: string, field: KeyField, head: string): KeyRange {
  const at = fieldBase(type, field) + encodeEntry(head);
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
      ? base + encodeEntry(b.$gt) + PAST // after every key of the entry itself
      : b.$gte !== undefined
        ? base + encodeEntry(b.$gte)
        : base;
  const upper =
    b.$lte !== undefined
      ? base + encodeEntry(b.$lte) + PAST
      : b.$lt !== undefined
        ? base + encodeEntry(b.$lt)
        : `${base.slice(0, -1)}}`; // every key of the field: `}` follows its last `|`
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

/**
 * Where a walk of a sort range goes on from the cursor value `value`, that value's keys included: ascending, the
 * lower bound; descending, the upper bound.
 */
export function sortFrom(type: string, code: string, descending: boolean, value: string): string {
  const at = fieldBase(type, descending ? 'S' : 's') + encodeEntry(`${encodeCode(code)}|${value}`);
  return descending ? at + PAST : at;
}
