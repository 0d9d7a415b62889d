// Core invariants the direct FHIRPath evaluator cannot take (descendants(), startsWith()), each evaluated in code
// with the fhirpath package's answer; an input where that answer is not certain gives up to the package
// (conformance-rules.html#constraints).
import { giveUp } from './fastpath-core';

type Json = Record<string, unknown>;
type Evaluate = (node: unknown) => unknown[];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** que-2 on a Questionnaire: `descendants().linkId.isDistinct()`, every linkId below the root (items of contained
 *  resources too) unique. A linkId that is not one plain string (an extension, an array) gives up. */
function linkIdsDistinct(node: unknown): unknown[] {
  const seen = new Set<string>();
  let distinct = true;
  const visit = (v: unknown, root: boolean): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x, false);
      return;
    }
    if (!isObject(v)) return;
    if (!root) {
      if (v._linkId !== undefined) giveUp();
      const id = v.linkId;
      if (id !== undefined) {
        if (typeof id !== 'string') giveUp();
        if (seen.has(id)) distinct = false;
        seen.add(id);
      }
    }
    for (const k in v) visit(v[k], false);
  };
  visit(node, true);
  return [distinct];
}

/** One plain string element (its value), undefined when absent; anything else gives up. */
function text(o: Json, name: string): string | undefined {
  const v = o[name];
  if (o[`_${name}`] !== undefined || v === null || (v !== undefined && typeof v !== 'string')) giveUp();
  return v;
}

/** Whether an element is present with a value the package sees (an empty array is nothing); extensions give up. */
function present(o: Json, ...keys: string[]): boolean {
  let found = false;
  for (const k of keys) {
    const v = o[k];
    if (o[`_${k}`] !== undefined || v === null) giveUp();
    if (Array.isArray(v)) {
      for (const x of v) if (x === null || x === undefined) giveUp();
      if (v.length > 0) found = true;
    } else if (v !== undefined) found = true;
  }
  return found;
}

/** FHIRPath `a implies b` with an empty antecedent as undefined. */
const implies = (a: boolean | undefined, b: boolean): boolean | undefined =>
  a === false || b ? true : a === true ? false : undefined;

/** trd-3 on a TriggerDefinition: a named event needs a name, a periodic trigger a timing, a data trigger data. */
function triggerComplete(node: unknown): unknown[] {
  if (!isObject(node)) giveUp();
  const type = text(node, 'type');
  const parts = [
    implies(type === undefined ? undefined : type === 'named-event', present(node, 'name')),
    implies(
      type === undefined ? undefined : type === 'periodic',
      present(node, 'timingTiming', 'timingReference', 'timingDate', 'timingDateTime'),
    ),
    implies(type === undefined ? undefined : type.startsWith('data-'), present(node, 'data')),
  ];
  if (parts.includes(false)) return [false];
  return parts.includes(undefined) ? [] : [true];
}

/** The core expressions evaluated here, by key; a profile's invariant with the same key but another expression
 *  is not. */
const NATIVE: Record<string, { expression: string; evaluate: Evaluate }> = {
  'que-2': { expression: 'descendants().linkId.isDistinct()', evaluate: linkIdsDistinct },
  'trd-3': {
    expression:
      "(type = 'named-event' implies name.exists()) and (type = 'periodic' implies timing.exists()) and (type.startsWith('data-') implies data.exists())",
    evaluate: triggerComplete,
  },
};

export function nativeInvariant(key: string, expression: string): Evaluate | undefined {
  const n = NATIVE[key];
  return n && n.expression === expression ? n.evaluate : undefined;
}
