// Comparisons of element values for the direct FHIRPath evaluator, in the few shapes where the fhirpath package's
// answer is known without it (fhirpath.html#equality, #comparison); anything else is undecided (undefined).
import { UCUM } from '../fhir/ucum';
import { Primitive } from './fastpath-core';

type Json = Record<string, unknown>;

/** A JSON object (a primitive with extensions is not compared here). */
const isPlainObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Primitive);

/** An object whose properties are all strings or booleans (a Coding): the package's deepEqual of two such objects
 *  is "the same keys with the same values". */
function isFlat(v: unknown): v is Json {
  if (!isPlainObject(v)) return false;
  for (const k in v) {
    const x = v[k];
    if (typeof x !== 'string' && typeof x !== 'boolean') return false;
  }
  return true;
}

function flatEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
  return true;
}

/** The package compares up to this many items in all by deepEqual, more by hashes of their JSON. */
const DEEP_EQUAL_ITEMS = 6;

/** Whether `a.intersect(b)` of flat objects is surely empty (no item of one equals an item of the other);
 *  undefined when it may not be, which the package then decides (obs-7 holds when nothing is common). */
export function disjointFlat(a: unknown[], b: unknown[]): true | undefined {
  if (a.length + b.length > DEEP_EQUAL_ITEMS) return undefined;
  for (const x of a) {
    if (!isFlat(x)) return undefined;
    for (const y of b) if (!isFlat(y) || flatEqual(x, y)) return undefined;
  }
  return true;
}

/** `object = 'text'`: the package compares the object's keys with the string's indexes, so they differ unless
 *  the object has as many properties as the string has characters (then undecided). */
export function objectEqualsString(object: unknown, text: unknown): boolean | undefined {
  if (!isPlainObject(object) || typeof text !== 'string') return undefined;
  return Object.keys(object).length === text.length ? undefined : false;
}

/** A FHIR Quantity the package turns into a FHIRPath quantity of unit `'code'`: UCUM, a number, no comparator. */
const ucumQuantity = (v: unknown): v is { value: number; code: string } =>
  isPlainObject(v) &&
  v.system === UCUM &&
  typeof v.value === 'number' &&
  typeof v.code === 'string' &&
  v.comparator === undefined;

/** The order (negative, zero, positive) of two UCUM quantities with the same code; undefined otherwise (other
 *  units are converted by the package, with rules of its own). */
export function quantityOrder(a: unknown, b: unknown): number | undefined {
  if (!ucumQuantity(a) || !ucumQuantity(b) || a.code !== b.code) return undefined;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
