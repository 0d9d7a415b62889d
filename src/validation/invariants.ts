// Invariants: the FHIRPath constraints of element definitions, compiled once (conformance-rules.html#constraints).
import type { ElementDefinitionConstraint } from 'fhir/r4';
import { compileFhirPath } from '../fhir/fhirpath';
import { compileFast, fastPath } from './fastpath';
import { isGiveUp } from './fastpath-core';
import { nativeInvariant } from './native-invariants';

export interface Invariant {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
  /** Identifiers the expression navigates; when none is present in the node, the result is `emptyResult`. */
  names?: string[];
  emptyResult?: boolean;
  evaluate: (node: unknown, env: Record<string, unknown>) => unknown[];
  /** Whether the expression is evaluated directly (fastpath.ts) before falling back to the fhirpath package. */
  fast?: boolean;
}

/**
 * Core constraints not evaluated with FHIRPath, and why.
 * - ele-1 (every element has a value or children) and ext-1 (an extension has either extensions or a value, not both)
 *   apply to every element; the walker checks them natively (no empty objects, arrays or strings; one or the other).
 * - txt-1 and txt-2 (Narrative.div) are checked by narrative.ts, which says what is wrong where.
 * - The remaining ones use `xpath`-era or conformance-resource semantics that fhirpath.js cannot evaluate on instances.
 */
const SKIPPED_INVARIANTS: Record<string, string> = {
  'ele-1': 'checked natively by the walker: empty objects, arrays and strings are errors',
  'ext-1': 'checked natively by the walker (extension with both a value and sub-extensions, or neither)',
  'dom-3':
    'checked natively (every contained resource is referenced from the rest of the resource, or refers to it): fhirpath.js rejects the core expression, whose `descendants().as(canonical)` applies `as` to a collection',
  'ref-1':
    'checked natively (a `#id` reference needs a contained resource with that id): the core expression calls trace() and scans %rootResource on every Reference',
  'txt-1':
    'checked natively by narrative.ts on every xhtml value, with located reasons: run from Narrative as `div.all(htmlChecks())`, the expression does not parse (`div` is an operator in FHIRPath)',
  'txt-2': 'checked natively by narrative.ts, as txt-1',
};

/** Root functions that read more than the element's own children: such expressions are always evaluated. */
const NON_LOCAL = new Set([
  'children',
  'descendants',
  'repeat',
  'resolve',
  'trace',
  'hasValue',
  'iif',
  'today',
  'now',
  'htmlChecks',
  'conformsTo',
  'memberOf',
  'select',
  'where',
  'all',
  'single',
  'first',
  'last',
  'tail',
  'ofType',
  'as',
  'is',
  'not',
  'toString',
  'toInteger',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'xor',
  'implies',
  'is',
  'as',
  'div',
  'mod',
  'in',
  'contains',
  'true',
  'false',
]);
const TOKEN =
  /'(?:[^'\\]|\\.)*'|`[^`]*`|@[0-9T:.+\-Z]+|%[A-Za-z0-9_]+|\$[A-Za-z]+|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\s+|./g;

/**
 * The identifiers an expression starts its paths with, outside function arguments (`contained` in
 * `contained.where(... %resource ...).empty()`); undefined when a path starts at %variables, $this or a function
 * that reads beyond the children. When a node has none of these children, the expression's value is the same as on
 * an empty node, so it is computed once per invariant.
 */
function rootNames(expression: string): string[] | undefined {
  const names = new Set<string>();
  const stack: boolean[] = []; // per open parenthesis: is it a function call?
  let prev = '';
  for (const m of expression.matchAll(TOKEN)) {
    const tok = m[0];
    if (/^\s+$/.test(tok)) continue;
    const inCall = stack.includes(true);
    const next = expression.slice((m.index ?? 0) + tok.length).trimStart()[0];
    if (tok === '(') stack.push(/^[A-Za-z_]/.test(prev) && !KEYWORDS.has(prev));
    else if (tok === ')') stack.pop();
    else if (!inCall && prev !== '.' && prev !== 'is' && prev !== 'as') {
      if (tok.startsWith('%') || tok.startsWith('$')) return undefined;
      if (/^[A-Za-z_]/.test(tok) && !KEYWORDS.has(tok)) {
        if (next === '(' && NON_LOCAL.has(tok)) return undefined;
        names.add(tok);
      } else if (tok.startsWith('`')) names.add(tok.slice(1, -1));
    }
    prev = tok;
  }
  return [...names];
}

const SYSTEM_PRIMITIVES = ['Boolean', 'String', 'Integer', 'Decimal', 'Date', 'DateTime', 'Time'];

/**
 * `answer is Boolean` (que-7) must hold for `answerBoolean`: FHIRPath lets a FHIR primitive pass for its System
 * type, but fhirpath.js tests only the System type, so the FHIR type is tested as well.
 */
function systemTypeTests(expression: string): string {
  return expression.replace(
    /(\b[A-Za-z_][A-Za-z0-9_.]*) is (?:System\.)?([A-Z][A-Za-z]*)\b/g,
    (whole, subject: string, type: string) =>
      SYSTEM_PRIMITIVES.includes(type)
        ? `(${subject} is System.${type} or ${subject} is FHIR.${type[0]!.toLowerCase()}${type.slice(1)})`
        : whole,
  );
}

const cache = new Map<string, Invariant | undefined>();

/** Compiles a constraint for elements at `path`; undefined when it is skipped or cannot be compiled. */
export function compileInvariant(c: ElementDefinitionConstraint, path: string): Invariant | undefined {
  // resolve() follows references to other resources, which a validator of one resource does not hold (e.g. ctm-1).
  if (!c.expression || c.key in SKIPPED_INVARIANTS || /\bresolve\(\)/.test(c.expression)) return undefined;
  const cacheKey = `${path}\u0000${c.key}\u0000${c.expression}`;
  if (cache.has(cacheKey)) return cache.get(cacheKey);
  let inv: Invariant | undefined;
  try {
    const fn = compileFhirPath(systemTypeTests(c.expression), path);
    const fast = nativeInvariant(c.key, c.expression) ?? compileFast(systemTypeTests(c.expression), path);
    inv = {
      key: c.key,
      severity: c.severity === 'warning' ? 'warning' : 'error',
      human: c.human,
      expression: c.expression,
      evaluate: fast
        ? (node, env) => {
            if (!fastPath.enabled) return fn(node, env);
            try {
              return fast(node, env);
            } catch (e) {
              if (isGiveUp(e)) return fn(node, env);
              throw e;
            }
          }
        : (node, env) => fn(node, env),
    };
    if (fast) inv.fast = true;
    const names = rootNames(c.expression);
    if (names) inv.names = names;
  } catch {
    inv = undefined;
  }
  cache.set(cacheKey, inv);
  return inv;
}

/** Whether the node has a child any of the names could reach (choice names reach `valueX`, `_valueX`). */
function touches(node: Record<string, unknown>, names: string[]): boolean {
  for (const key in node) {
    const from = key.charCodeAt(0) === 95 ? 1 : 0;
    for (const n of names) if (key.startsWith(n, from)) return true;
  }
  return false;
}

/** An invariant's last verdict in one validation, on which node and with which %resource and %rootResource. */
export interface Verdict {
  node: unknown;
  env: Record<string, unknown>;
  ok: boolean;
}

/**
 * Runs an invariant; true when it holds. An empty result counts as true, as the HL7 validator does. With `last`
 * (one validation's verdicts), an invariant met again on the same node with the same environment is not evaluated
 * again: a profile and its base definitions hold the same constraints (obs-7 on a vital sign), and the resource is
 * walked once for each.
 */
export function holds(
  inv: Invariant,
  node: unknown,
  env: Record<string, unknown>,
  last?: Map<Invariant, Verdict>,
): boolean {
  if (inv.names && node !== null && typeof node === 'object' && !Array.isArray(node)) {
    const obj = node as Record<string, unknown>;
    if (!touches(obj, inv.names)) {
      if (inv.emptyResult === undefined) {
        const empty: Record<string, unknown> =
          typeof obj.resourceType === 'string' ? { resourceType: obj.resourceType } : {};
        inv.emptyResult = verdict(inv.evaluate(empty, { resource: empty, rootResource: empty }));
      }
      return inv.emptyResult;
    }
  }
  if (!last) return verdict(inv.evaluate(node, env));
  const seen = last.get(inv);
  if (seen && seen.node === node && seen.env === env) return seen.ok;
  const ok = verdict(inv.evaluate(node, env));
  if (!seen) last.set(inv, { node, env, ok });
  else {
    seen.node = node;
    seen.env = env;
    seen.ok = ok;
  }
  return ok;
}

function verdict(result: unknown[]): boolean {
  return !(result.length === 1 && result[0] === false);
}
