// FHIR date/time search values as ranges (search.html#date): a value covers [start, end) by its precision.
import { badRequest } from './outcome';

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface DateRange {
  start: Date;
  /** Exclusive. */
  end: Date;
}

/** Parses `2024`, `2024-05`, `2024-05-01`, `2024-05-01T10:00:00Z`...; a time without zone is taken as UTC. */
export function parseDateRange(value: string, param: string): DateRange {
  const m = DATE_TIME.exec(value);
  if (!m) throw badRequest(`${param}: "${value}" is not a FHIR date or dateTime`, param);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  // Impossible dates are refused, never rolled over (`9999-99-99` is no day of year 10007).
  const impossible =
    (mo !== undefined && (Number(mo) < 1 || Number(mo) > 12)) ||
    (d !== undefined && (Number(d) < 1 || Number(d) > daysIn(year, Number(mo)))) ||
    (h !== undefined && (Number(h) > 23 || Number(mi) > 59)) ||
    (s !== undefined && Number(s) > 59) ||
    (tz !== undefined && tz !== 'Z' && (Number(tz.slice(1, 3)) > 14 || Number(tz.slice(4, 6)) > 59));
  if (impossible) throw badRequest(`${param}: "${value}" is not a possible date or time`, param);
  if (mo === undefined) return utcRange([year], [year + 1]);
  const month = Number(mo) - 1;
  if (d === undefined) return utcRange([year, month], [year, month + 1]);
  const day = Number(d);
  if (h === undefined) return utcRange([year, month, day], [year, month, day + 1]);
  const offset =
    tz === undefined || tz === 'Z'
      ? 0
      : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  const base = Date.UTC(year, month, day, Number(h), Number(mi)) - offset * 60_000;
  if (s === undefined) return { start: new Date(base), end: new Date(base + 60_000) };
  const ms = Number(s) * 1000 + (frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0')));
  const step = frac === undefined ? 1000 : 1;
  return { start: new Date(base + ms), end: new Date(base + ms + step) };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function utcRange(a: number[], b: number[]): DateRange {
  return {
    start: new Date(Date.UTC(a[0]!, a[1] ?? 0, a[2] ?? 1)),
    end: new Date(Date.UTC(b[0]!, b[1] ?? 0, b[2] ?? 1)),
  };
}

/**
 * False when a date's `YYYY-MM-DD` names no day: date regexes allow day 31 in every month, and the day must exist in
 * that month and year (Gregorian leap years). Strings of other shapes (`2024`, `2024-06`) are left to the pattern.
 */
export function isRealDay(s: string): boolean {
  // `YYYY-MM-DD` at the start, read digit by digit (no match object per date).
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return true;
  const digits = (from: number, n: number): number => {
    let v = 0;
    for (let i = from; i < from + n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  };
  const year = digits(0, 4);
  const month = digits(5, 2);
  const day = digits(8, 2);
  if (year < 0 || month < 0 || day < 0) return true;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}
