// What the direct FHIRPath evaluator's parts share: collections, the give-up signal, and the string helpers.
export type Env = Record<string, unknown>;
/** A collection with the model path of its items, as the fhirpath package tracks it (a resource: its type). */
export interface Coll {
  items: unknown[];
  /** `Observation.component`, `Quantity`; undefined for values that are not elements (literals, results). */
  path?: string | undefined;
  /** The FHIR type of the items (`dateTime`, `BackboneElement`), when the model knows it. */
  type?: string | undefined;
}
/** Evaluates on the focus collection (`$this` is each item in where/all). */
export type Fn = (focus: Coll, env: Env) => Coll;

/**
 * A primitive element with a `_name` sibling (json.html#primitive): its value (undefined when only `_name` is
 * there) and that sibling's id and extensions, as the package's node holds them (`data`, `_data`). Member steps
 * make one; extension() and hasValue() read it, steps that only pass or count items keep it, and every step that
 * reads a value (comparisons, strings, members, logic) gives up on it.
 */
export class Primitive {
  constructor(
    readonly value: string | number | boolean | undefined,
    readonly ext: Record<string, unknown>,
  ) {}
}

/** Thrown (one shared instance) when an input needs what only the fhirpath package does exactly. */
export const GIVE_UP = new Error('fastpath: evaluate with the fhirpath package');
export const isGiveUp = (e: unknown): boolean => e === GIVE_UP;
export function giveUp(): never {
  throw GIVE_UP;
}

/** Items of different paths in one collection (contained resources' backbone elements): not followed. */
export const MIXED = '\u0000mixed';

export interface Node {
  type: string;
  text?: string;
  children?: Node[];
}

export const own = <T>(o: Record<string, T | undefined>, k: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;

export const kids = (n: Node): Node[] => n.children ?? [];

/** The boolean of a collection for logic: undefined when empty; anything but one boolean gives up. */
export function truth(coll: Coll): boolean | undefined {
  const items = coll.items;
  if (items.length === 0) return undefined;
  if (items.length === 1 && typeof items[0] === 'boolean') return items[0];
  throw GIVE_UP;
}

export const TRUE: Coll = { items: [true] };
export const FALSE: Coll = { items: [false] };
export const EMPTY: Coll = { items: [] };
export const bool = (b: boolean | undefined): Coll => (b === undefined ? EMPTY : b ? TRUE : FALSE);

/** FHIR types the package reads as a System.String. */
export const STRINGS = new Set([
  'string',
  'uri',
  'url',
  'canonical',
  'code',
  'id',
  'oid',
  'uuid',
  'markdown',
]);
export const TEMPORAL = new Set(['date', 'dateTime', 'instant', 'time']);

/** Every item a string the package compares as a string: of a string type, or computed (`&`). */
export function isPlainString(c: Coll): boolean {
  if (c.type !== undefined && !STRINGS.has(c.type)) return false;
  for (const x of c.items) if (typeof x !== 'string') return false;
  return true;
}

/** The strings of `('a' | 'b' | ...)`, or undefined when it is anything else. */
export function literalStrings(n: Node): Set<string> | undefined {
  while ((n.type === 'TermExpression' || n.type === 'ParenthesizedTerm') && kids(n).length === 1)
    n = kids(n)[0]!;
  if (n.type === 'UnionExpression' && n.text === '|') {
    const [a, b] = kids(n);
    const left = a && literalStrings(a);
    const right = b && literalStrings(b);
    return left && right ? new Set([...left, ...right]) : undefined;
  }
  if (!isStringLiteral(n)) return undefined;
  while (n.type !== 'StringLiteral') n = kids(n)[0]!;
  const text = n.text ?? '';
  return text.includes('\\') || text.length < 2 ? undefined : new Set([text.slice(1, -1)]);
}

/** A string literal or %ucum: what a string element may be compared with for equality here. */
export function isStringConstant(n: Node | undefined): boolean {
  while (n?.type === 'TermExpression' && kids(n).length === 1) n = kids(n)[0];
  return isStringLiteral(n) || (n?.type === 'ExternalConstantTerm' && n.text === 'ucum');
}

export function isStringLiteral(n: Node | undefined): boolean {
  while (n && (n.type === 'TermExpression' || n.type === 'LiteralTerm') && kids(n).length === 1)
    n = kids(n)[0];
  return n?.type === 'StringLiteral';
}
