// Comparisons of element values for the direct FHIRPath evaluator, in the few shapes where the fhirpath package's
// answer is known without it (fhirpath.html#equality, #comparison); anything else is undecided (undefined).

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `object = 'text'`: the package compares the object's keys with the string's indexes, so they differ unless
 *  the object has as many properties as the string has characters (then undecided). */
export function objectEqualsString(object: unknown, text: unknown): boolean | undefined {
  if (!isPlainObject(object) || typeof text !== 'string') return undefined;
  return Object.keys(object).length === text.length ? undefined : false;
}

const UCUM = 'http://unitsofmeasure.org';

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
