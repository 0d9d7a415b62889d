// quantity parameters (search.html#quantity): `[prefix]value[|system|code]` and `value||unit`; UCUM
// quantities are also indexed in canonical units (@lhncbc/ucum-lhc), so `5.4|http://unitsofmeasure.org|mg`
// finds 5400 ug.
import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { badRequest } from '../../fhir/outcome';
import { encodeNumber } from '../encode';
import type { SearchParamDef } from '../registry';
import { type Extractor, isObject, type Predicate, type Prefix, str } from './common';
import { parseNumber, pointPredicate, type SearchNumber } from './number';
import { splitToken } from './token';

export const UCUM = 'http://unitsofmeasure.org';

interface Canonical {
  value: number;
  unit: string;
}

let ucum: { convertToBaseUnits(unit: string, value: number): unknown } | undefined;
const canonicalCache = new Map<string, { factor: number; unit: string } | null>();

/** The value in UCUM base units (`g`, `m-1.s-2.g`), or undefined for units without a linear conversion. */
export function toCanonical(value: number, code: string): Canonical | undefined {
  let hit = canonicalCache.get(code);
  if (hit === undefined) {
    ucum ??= UcumLhcUtils.getInstance() as typeof ucum;
    const r = ucum?.convertToBaseUnits(code, 1) as
      | {
          status: string;
          magnitude?: number;
          unitToExp?: Record<string, number>;
          fromUnitIsSpecial?: boolean;
        }
      | undefined;
    hit =
      r?.status === 'succeeded' && !r.fromUnitIsSpecial && typeof r.magnitude === 'number'
        ? {
            factor: r.magnitude,
            unit: Object.entries(r.unitToExp ?? {})
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([u, e]) => (e === 1 ? u : `${u}${e}`))
              .join('.'),
          }
        : null;
    canonicalCache.set(code, hit);
  }
  if (!hit) return undefined;
  // Rounded to 12 significant digits so that 5400 ug and 5.4 mg meet exactly.
  return { value: Number((value * hit.factor).toPrecision(12)), unit: hit.unit };
}

/** Unit keys of the `idx.r` entries: any unit, system|code, unit code or text, canonical UCUM. */
const anyKey = (code: string): string => `${code}||`;
const systemKey = (code: string, system: string, unit: string): string => `${code}|s:${system}|${unit}|`;
const unitKey = (code: string, unit: string): string => `${code}|u:${unit}|`;
const canonicalKey = (code: string, unit: string): string => `${code}|c:${unit}|`;

export const extractQuantity: Extractor = (def, values, sink) => {
  const code = def.code;
  for (const v of values) {
    if (!isObject(v) || typeof v.value !== 'number' || !Number.isFinite(v.value)) continue;
    const value = v.value;
    const system = str(v.system);
    const unitCode = str(v.code);
    const unit = str(v.unit);
    const put = (head: string, n: number): void => void sink.r.add(head + encodeNumber(n));
    sink.p.add(code);
    put(anyKey(code), value);
    if (unitCode) put(unitKey(code, unitCode), value);
    if (unit && unit !== unitCode) put(unitKey(code, unit), value);
    const canonical = system === UCUM && unitCode ? toCanonical(value, unitCode) : undefined;
    // A UCUM search value is always compared in canonical units, so `s:` entries are only for other systems.
    if (canonical) put(canonicalKey(code, canonical.unit), canonical.value);
    else if (system && unitCode) put(systemKey(code, system, unitCode), value);
    sink.sortValue(code, encodeNumber(canonical?.value ?? value));
  }
};

function scale(q: SearchNumber, factor: (n: number) => number): SearchNumber {
  return { value: factor(q.value), lo: factor(q.lo), hi: factor(q.hi) };
}

/** One search value `[prefix]number|system|code` as a point predicate on the matching unit key. */
export function quantityPredicate(def: SearchParamDef, prefix: Prefix, value: string): Predicate {
  const code = def.code;
  const [num = '', rest] = splitFirst(value);
  const q = parseNumber(code, num);
  if (rest === undefined) return pointPredicate(anyKey(code), prefix, q);
  const { system, code: unit } = splitToken(rest);
  if (unit === '') throw badRequest(`${code}: the quantity '${value}' has a system but no unit`, code);
  if (!system) return pointPredicate(unitKey(code, unit), prefix, q);
  if (system === UCUM) {
    const one = toCanonical(1, unit);
    if (one)
      return pointPredicate(
        canonicalKey(code, one.unit),
        prefix,
        scale(q, (n) => toCanonical(n, unit)?.value ?? n),
      );
  }
  return pointPredicate(systemKey(code, system, unit), prefix, q);
}

function splitFirst(value: string): [string, string | undefined] {
  const i = value.indexOf('|');
  return i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1)];
}
