// number parameters (search.html#number): a search value has an implicit precision (`100` is [99.5, 100.5));
// prefixes compare it with each stored number. Also the value comparisons of quantity (search.html#quantity).
import { badRequest } from '../../fhir/outcome';
import { decodeNumber, encodeNumber } from '../encode';
import type { SearchParamDef } from '../registry';
import { type Extractor, GUARD, isObject, type Predicate, type Prefix, type StoredDoc } from './common';

const NUMBER_RE = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export interface SearchNumber {
  value: number;
  /** [lo, hi): the implicit precision range of the value as written. */
  lo: number;
  hi: number;
}

export function parseNumber(code: string, text: string): SearchNumber {
  const m = NUMBER_RE.exec(text.trim());
  if (!m) throw badRequest(`${code}: '${text}' is not a number`, code);
  const value = Number(text);
  const exponent = m[3] === undefined ? undefined : Number(m[3]);
  // Half a unit of the last digit written: `100` is [99.5, 100.5). In exponent form R4 gives `1e2` as
  // [95, 105) (search.html#number), i.e. half a unit of the digit after the mantissa's last one.
  const last = exponent === undefined ? -(m[2]?.length ?? 0) : exponent - (m[2]?.length ?? 0) - 1;
  const half = 0.5 * 10 ** last;
  return { value, lo: value - half, hi: value + half };
}

/** Numbers of a stored value: integer/decimal, or the value of a Quantity-like object. */
export function numbersOf(v: unknown): number[] {
  if (typeof v === 'number' && Number.isFinite(v)) return [v];
  if (isObject(v) && typeof v.value === 'number' && Number.isFinite(v.value)) return [v.value];
  return [];
}

export const extractNumber: Extractor = (def, values, sink) => {
  for (const v of values) {
    for (const n of numbersOf(v)) {
      sink.p.add(def.code);
      sink.r.add(`${def.code}|${encodeNumber(n)}`);
      sink.sortValue(def.code, encodeNumber(n));
    }
  }
};

/** Whether a stored number matches (search.html#prefix; `ap` is within 10% of the value). */
export function pointMatches(prefix: Prefix, q: SearchNumber, n: number): boolean {
  switch (prefix) {
    case 'eq':
      return n >= q.lo && n < q.hi;
    case 'ne':
      return n < q.lo || n >= q.hi;
    case 'gt':
    case 'sa':
      return n > q.value;
    case 'lt':
    case 'eb':
      return n < q.value;
    case 'ge':
      return n >= q.value;
    case 'le':
      return n <= q.value;
    case 'ap': {
      const d = Math.abs(q.value) * 0.1;
      return n >= Math.min(q.lo, q.value - d) && n <= Math.max(q.hi, q.value + d);
    }
  }
}

/** The stored numbers under one entry prefix (`code|` or `code|<unit key>|`), read back from `idx.r`. */
export function storedPoints(doc: StoredDoc, head: string): number[] {
  const out: number[] = [];
  for (const e of doc.idx?.r ?? []) {
    if (e.startsWith(head) && e.length === head.length + 16) out.push(decodeNumber(e.slice(head.length)));
  }
  return out;
}

/** The filter on `idx.r` entries `head + ENC(number)` for one prefix and value, with its exact test. */
export function pointPredicate(head: string, prefix: Prefix, q: SearchNumber): Predicate {
  const E = (n: number): string => head + encodeNumber(n);
  const top = head + GUARD;
  let range: Record<string, string>;
  switch (prefix) {
    case 'eq':
      range = { $gte: E(q.lo), $lt: E(q.hi) };
      break;
    case 'gt':
    case 'sa':
      range = { $gt: E(q.value), $lt: top };
      break;
    case 'lt':
    case 'eb':
      range = { $gte: head, $lt: E(q.value) };
      break;
    case 'ge':
      range = { $gte: E(q.value), $lt: top };
      break;
    case 'le':
      range = { $gte: head, $lte: E(q.value) };
      break;
    case 'ne':
      range = { $gte: head, $lt: top };
      break;
    case 'ap': {
      const d = Math.abs(q.value) * 0.1;
      range = { $gte: E(Math.min(q.lo, q.value - d)), $lte: E(Math.max(q.hi, q.value + d)) };
      break;
    }
  }
  return {
    filter: { 'idx.r': range },
    test: (doc) => storedPoints(doc, head).some((n) => pointMatches(prefix, q, n)),
  };
}

export function numberPredicate(def: SearchParamDef, prefix: Prefix, value: string): Predicate {
  return pointPredicate(`${def.code}|`, prefix, parseNumber(def.code, value));
}
