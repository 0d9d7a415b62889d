// date parameters (search.html#date): every value is a range set by its precision; prefixes compare the
// search range with the stored range as the spec defines them. A value without a time zone is read as UTC.
import { badRequest } from '../../fhir/outcome';
import { encodeTime, MAX_TIME, MIN_TIME } from '../encode';
import type { SearchParamDef } from '../registry';
import { type Extractor, GUARD, isObject, type Predicate, type Prefix, type StoredDoc, str } from './common';

export interface Range {
  lo: number;
  /** Inclusive: the last millisecond of the range. */
  hi: number;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo, d);
  dt.setUTCHours(h, mi, s, ms);
  return dt.getTime();
}

/** The range a FHIR date, dateTime or instant stands for, or undefined when it is not one. */
export function dateRange(text: string): Range | undefined {
  const m = DATE_RE.exec(text.trim().replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? undefined : Number(m[2]) - 1;
  const d = m[3] === undefined ? undefined : Number(m[3]);
  if (mo !== undefined && (mo < 0 || mo > 11)) return undefined;
  if (d !== undefined && (d < 1 || d > 31)) return undefined;
  const tz = m[8];
  const offset =
    tz === undefined || tz === 'Z'
      ? 0
      : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  if (mo === undefined) return { lo: utc(y, 0, 1), hi: utc(y + 1, 0, 1) - 1 };
  if (d === undefined) return { lo: utc(y, mo, 1), hi: utc(y, mo + 1, 1) - 1 };
  if (m[4] === undefined) {
    const lo = utc(y, mo, d);
    return new Date(lo).getUTCDate() === d ? { lo, hi: lo + 86400000 - 1 } : undefined;
  }
  const h = Number(m[4]);
  const mi = Number(m[5]);
  if (h > 24 || mi > 59) return undefined;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const lo = utc(y, mo, d, h, mi, m[6] === undefined ? 0 : Number(m[6]), ms) - offset;
  const width =
    m[6] === undefined ? 60000 : fraction === undefined ? 1000 : Math.max(1, 10 ** (3 - fraction.length));
  return { lo, hi: lo + width - 1 };
}

/** The ranges of one stored value: date/dateTime/instant, Period, Timing (events and bounds). */
export function valueRanges(v: unknown): Range[] {
  if (typeof v === 'string') {
    const r = dateRange(v);
    return r ? [r] : [];
  }
  if (!isObject(v)) return [];
  if ('start' in v || 'end' in v) {
    const start = str(v.start) ? dateRange(v.start as string) : undefined;
    const end = str(v.end) ? dateRange(v.end as string) : undefined;
    if (!start && !end) return [];
    return [{ lo: start?.lo ?? MIN_TIME, hi: end?.hi ?? MAX_TIME }];
  }
  if ('event' in v || 'repeat' in v) {
    const out = ((v.event as unknown[] | undefined) ?? []).flatMap(valueRanges);
    const repeat = v.repeat;
    if (isObject(repeat) && isObject(repeat.boundsPeriod)) out.push(...valueRanges(repeat.boundsPeriod));
    return out;
  }
  return [];
}

export const extractDate: Extractor = (def, values, sink) => {
  const code = def.code;
  for (const v of values) {
    for (const { lo, hi } of valueRanges(v)) {
      const l = encodeTime(lo);
      const h = encodeTime(hi);
      sink.p.add(code);
      sink.r.add(`${code}|${l}|${h}`);
      sink.rh.add(`${code}|${h}|${l}`);
      sink.sortValue(code, l);
      sink.sortValue(code, h);
    }
  }
};

/** The stored ranges of a code, read back from a candidate's `idx.r`. */
export function storedRanges(doc: StoredDoc, code: string): Range[] {
  const head = `${code}|`;
  const out: Range[] = [];
  for (const e of doc.idx?.r ?? []) {
    if (!e.startsWith(head)) continue;
    const [l, h] = e.slice(head.length).split('|');
    if (l !== undefined && h !== undefined) out.push({ lo: Date.parse(l), hi: Date.parse(h) });
  }
  return out;
}

/** Whether a stored range matches a search range under a prefix (search.html#prefix). */
export function rangeMatches(prefix: Prefix, q: Range, t: Range, now = Date.now()): boolean {
  switch (prefix) {
    case 'eq':
      return t.lo >= q.lo && t.hi <= q.hi;
    case 'ne':
      return t.lo < q.lo || t.hi > q.hi;
    case 'gt':
      return t.hi > q.hi;
    case 'lt':
      return t.lo < q.lo;
    case 'ge':
      return t.lo >= q.lo || t.hi > q.hi;
    case 'le':
      return t.hi <= q.hi || t.lo < q.lo;
    case 'sa':
      return t.lo > q.hi;
    case 'eb':
      return t.hi < q.lo;
    case 'ap': {
      const d = approximation(q, now);
      return t.lo <= q.hi + d && t.hi >= q.lo - d;
    }
  }
}

/** `ap`: 10% of the distance between now and the search value, the spec's recommendation, at least a day. */
function approximation(q: Range, now: number): number {
  return Math.max(86400000, 0.1 * Math.abs(now - (q.lo + q.hi) / 2));
}

export function parseDateValue(def: SearchParamDef, value: string): Range {
  const r = dateRange(value);
  if (!r) throw badRequest(`${def.code}: '${value}' is not a valid date, dateTime or instant`, def.code);
  return r;
}

export function datePredicate(
  def: SearchParamDef,
  prefix: Prefix,
  value: string,
  now = Date.now(),
): Predicate {
  const q = parseDateValue(def, value);
  const c = def.code;
  const L = (ms: number): string => `${c}|${encodeTime(ms)}`;
  // Conditions on the low end use idx.r (`code|LO|HI`), on the high end idx.rh (`code|HI|LO`).
  const loBelow = (ms: number): object => ({ 'idx.r': { $gte: `${c}|`, $lt: L(ms) } });
  const loAtLeast = (ms: number): object => ({ 'idx.r': { $gte: L(ms), $lt: `${c}|${GUARD}` } });
  const loAtMost = (ms: number): object => ({ 'idx.r': { $gte: `${c}|`, $lt: `${L(ms)}|${GUARD}` } });
  const loAbove = (ms: number): object => ({ 'idx.r': { $gt: `${L(ms)}|${GUARD}`, $lt: `${c}|${GUARD}` } });
  const hiAbove = (ms: number): object => ({ 'idx.rh': { $gt: `${L(ms)}|${GUARD}`, $lt: `${c}|${GUARD}` } });
  const hiAtMost = (ms: number): object => ({ 'idx.rh': { $gte: `${c}|`, $lt: `${L(ms)}|${GUARD}` } });
  const hiBelow = (ms: number): object => ({ 'idx.rh': { $gte: `${c}|`, $lt: L(ms) } });
  const hiAtLeast = (ms: number): object => ({ 'idx.rh': { $gte: L(ms), $lt: `${c}|${GUARD}` } });
  let filter: object;
  switch (prefix) {
    case 'eq':
      // A range inside [lo, hi] also starts inside it: one bounded range of low ends, which the ordered index reads
      // as the few entries of the period, where `lo >= q.lo` alone would name every later one. The high end is left
      // to the exact test: a condition on it alone names nearly every entry before the period's end.
      filter = { 'idx.r': { $gte: L(q.lo), $lt: `${L(q.hi)}|${GUARD}` } };
      break;
    case 'ne':
      filter = { $or: [loBelow(q.lo), hiAbove(q.hi)] };
      break;
    case 'gt':
      filter = hiAbove(q.hi);
      break;
    case 'lt':
      filter = loBelow(q.lo);
      break;
    case 'ge':
      filter = { $or: [loAtLeast(q.lo), hiAbove(q.hi)] };
      break;
    case 'le':
      filter = { $or: [hiAtMost(q.hi), loBelow(q.lo)] };
      break;
    case 'sa':
      filter = loAbove(q.hi);
      break;
    case 'eb':
      filter = hiBelow(q.lo);
      break;
    case 'ap': {
      const d = approximation(q, now);
      filter = { $and: [loAtMost(q.hi + d), hiAtLeast(q.lo - d)] };
      break;
    }
  }
  return {
    filter: filter as Record<string, unknown>,
    test: (doc) => storedRanges(doc, c).some((t) => rangeMatches(prefix, q, t, now)),
  };
}
