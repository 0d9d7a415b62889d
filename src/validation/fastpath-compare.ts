// Comparisons and `+` of the direct FHIRPath evaluator: numbers, strings against literals, dates of one precision,
// quantities of one UCUM unit; anything the fhirpath package decides by rules of its own gives up (fhirpath.html#comparison).
import { bool, EMPTY, GIVE_UP, TEMPORAL, type Coll, type Fn } from './fastpath-core';
import { objectEqualsString, quantityOrder } from './fastpath-values';

/** One value of a binary operand: undefined when empty; a string, boolean or number, else give up. */
function operand(coll: Coll): string | number | boolean | undefined {
  const items = coll.items;
  if (items.length === 0) return undefined;
  const v = items[0];
  if (items.length > 1 || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean'))
    throw GIVE_UP;
  return v;
}

/** `l op r` for `=`, `!=`, `<`, `>`, `<=`, `>=` and `+`; undefined for any other operator. `literalString`: one
 *  side is a string literal (a string is only compared with one: a date element compares by precision). */
export function comparison(op: string | undefined, l: Fn, r: Fn, literalString: boolean): Fn | undefined {
  if (op !== '=' && op !== '!=' && op !== '<' && op !== '>' && op !== '<=' && op !== '>=' && op !== '+')
    return undefined;
  const order = op === '<' || op === '>' || op === '<=' || op === '>=';
  return (f, env) => {
    const lc = l(f, env);
    const rc = r(f, env);
    if (lc.items.length === 1 && rc.items.length === 1) {
      const x = lc.items[0];
      const y = rc.items[0];
      // An element compared with a string literal (`$this = 'problem-list-item'` on a CodeableConcept).
      if ((op === '=' || op === '!=') && literalString && typeof x !== typeof y) {
        const equal = objectEqualsString(x, y) ?? objectEqualsString(y, x);
        if (equal !== undefined) return bool(equal === (op === '='));
      }
      // Two quantities of the same UCUM unit (`low <= high` of a Range).
      if (order && lc.type === 'Quantity' && rc.type === 'Quantity') {
        const q = quantityOrder(x, y);
        if (q === undefined) throw GIVE_UP;
        return bool(op === '<' ? q < 0 : op === '>' ? q > 0 : op === '<=' ? q <= 0 : q >= 0);
      }
    }
    const a = operand(lc);
    const b = operand(rc);
    if (a === undefined || b === undefined) return EMPTY;
    if (typeof a !== typeof b) throw GIVE_UP;
    if (typeof a === 'string' && (TEMPORAL.has(lc.type ?? '') || TEMPORAL.has(rc.type ?? ''))) {
      if (op === '=' || op === '!=' || op === '+' || !sameShape(lc, rc, a, b as string)) throw GIVE_UP;
      return bool(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b);
    }
    if (op === '=' || op === '!=') {
      if (typeof a === 'string' && !literalString) throw GIVE_UP;
      return bool((a === b) === (op === '='));
    }
    if (typeof a !== 'number' || typeof b !== 'number') throw GIVE_UP;
    if (op === '+') {
      if (!Number.isInteger(a) || !Number.isInteger(b)) throw GIVE_UP;
      return { items: [a + b] };
    }
    return bool(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b);
  };
}

const DAY = /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/;
const ZONE = /^(?:Z|[+-](?:0\d|1[0-3]):[0-5]\d|[+-]14:00)$/;
const MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Two date-typed values of the same precision and time zone, whose order is their string order. */
function sameShape(lc: Coll, rc: Coll, a: string, b: string): boolean {
  if (!TEMPORAL.has(lc.type ?? '') || !TEMPORAL.has(rc.type ?? '') || a.length !== b.length) return false;
  if (!plausible(a) || !plausible(b)) return false;
  if (DAY.test(a)) return DAY.test(b);
  if (!MOMENT.test(a) || !MOMENT.test(b)) return false;
  const zone = (s: string): string => (s.endsWith('Z') ? 'Z' : s.slice(-6));
  return zone(a) === zone(b) && ZONE.test(zone(a));
}

/** Month, day and time of day in range (the package fails on `2021-02-30`; it is then left to it). */
function plausible(s: string): boolean {
  const n = (from: number): number => Number(s.slice(from, from + 2));
  if (s.length >= 7 && (n(5) < 1 || n(5) > 12)) return false;
  if (s.length >= 10) {
    const year = Number(s.slice(0, 4));
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = n(5) === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(n(5)) ? 30 : 31;
    if (n(8) < 1 || n(8) > days) return false;
  }
  return s.length < 19 || (n(11) < 24 && n(14) < 60 && n(17) < 60);
}
