// Compiled FHIRPath for search expressions (fhirpath.html, searchparameter.html#expression): the common
// shapes become direct property walkers; anything else is compiled once by the fhirpath package.
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { packageFiles, readPackageFile } from '../fhir/definitions';
import type { StructureDefinition } from 'fhir/r4';
import { splitUnion } from './registry';

export type Evaluator = (resource: object) => unknown[];
type Node = unknown;
type Step = (nodes: Node[]) => Node[];

let choiceNames: ReadonlySet<string> | undefined;

/** Names of choice elements (`value[x]`, `effective[x]`, ...) in every R4 type: their JSON key carries a type suffix. */
function choices(): ReadonlySet<string> {
  if (choiceNames) return choiceNames;
  const names = new Set<string>();
  for (const file of packageFiles('StructureDefinition')) {
    const sd = readPackageFile<StructureDefinition>(file);
    if (sd.derivation !== 'specialization') continue;
    for (const el of sd.snapshot?.element ?? []) {
      if (el.path.endsWith('[x]')) names.add(el.path.slice(el.path.lastIndexOf('.') + 1, -3));
    }
  }
  choiceNames = names;
  return names;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function pushAll(out: Node[], v: unknown): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== undefined && x !== null) out.push(x);
  } else out.push(v);
}

function field(name: string): Step {
  return (nodes) => {
    const out: Node[] = [];
    for (const n of nodes) if (isObject(n)) pushAll(out, n[name]);
    return out;
  };
}

/** A choice element without a type: every `name<Type>` key. */
function choiceField(name: string): Step {
  return (nodes) => {
    const out: Node[] = [];
    for (const n of nodes) {
      if (!isObject(n)) continue;
      for (const key in n) {
        if (key.length > name.length && key.startsWith(name)) {
          const c = key.charCodeAt(name.length);
          if (c >= 65 && c <= 90) pushAll(out, n[key]);
        }
      }
    }
    return out;
  };
}

/** The resource type a Reference points to, from `reference` (relative or absolute) or `type`. */
export function referenceType(ref: unknown): string | undefined {
  if (!isObject(ref)) return undefined;
  const r = ref.reference;
  if (typeof r === 'string') {
    const m = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/.exec(r);
    if (m) return m[1];
  }
  return typeof ref.type === 'string' ? ref.type : undefined;
}

function filter(test: (n: Node) => boolean): Step {
  return (nodes) => nodes.filter(test);
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Splits `a.b.where(x='y.z').c` at its top-level dots. */
function splitDots(path: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === "'") quote = !quote;
    else if (quote) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '.' && depth === 0) {
      out.push(path.slice(start, i));
      start = i + 1;
    }
  }
  out.push(path.slice(start));
  return out.map((s) => s.trim());
}

const IDENT = /^[a-z][A-Za-z0-9]*$/;
const TYPE = /^[A-Za-z][A-Za-z0-9]*$/;

/** Compiles one union member into steps, or undefined when its shape is not one we walk directly. */
function compilePart(part: string, resourceType: string): Step[] | undefined {
  let p = part.trim();
  while (p.startsWith('(') && p.endsWith(')') && splitUnion(p.slice(1, -1)).length === 1) p = p.slice(1, -1).trim();
  let asType: string | undefined;
  const asMatch = /^(.*\S)\s+as\s+([A-Za-z][A-Za-z0-9]*)$/.exec(p);
  if (asMatch) {
    p = asMatch[1] ?? '';
    asType = asMatch[2];
    while (p.startsWith('(') && p.endsWith(')')) p = p.slice(1, -1).trim();
  }
  const tokens = splitDots(p);
  const head = tokens.shift();
  if (head !== resourceType && head !== 'Resource' && head !== 'DomainResource') return undefined;
  if (asType) tokens.push(`as(${asType})`);
  const steps: Step[] = [];
  let pendingChoice: string | undefined;
  const flushChoice = (): void => {
    if (pendingChoice) steps.push(choiceField(pendingChoice));
    pendingChoice = undefined;
  };
  for (const t of tokens) {
    let m: RegExpExecArray | null;
    if (IDENT.test(t)) {
      flushChoice();
      if (choices().has(t)) pendingChoice = t;
      else steps.push(field(t));
    } else if ((m = /^(?:as|ofType)\(([A-Za-z][A-Za-z0-9]*)\)$/.exec(t)) && m[1] && TYPE.test(m[1])) {
      // Only a type filter right after a choice element is a plain key (`value.as(Quantity)` is `valueQuantity`).
      if (!pendingChoice) return undefined;
      steps.push(field(pendingChoice + capitalise(m[1])));
      pendingChoice = undefined;
    } else if ((m = /^where\(resolve\(\)\s+is\s+([A-Z][A-Za-z]*)\)$/.exec(t))) {
      flushChoice();
      const type = m[1];
      steps.push(filter((n) => referenceType(n) === type));
    } else if ((m = /^extension\('([^']+)'\)$/.exec(t))) {
      flushChoice();
      const url = m[1];
      steps.push(field('extension'), filter((n) => isObject(n) && n.url === url));
    } else if ((m = /^where\(([a-z][A-Za-z0-9]*)\s*=\s*'([^']*)'\)$/.exec(t))) {
      flushChoice();
      const [, key, value] = m;
      steps.push(filter((n) => isObject(n) && key !== undefined && n[key] === value));
    } else return undefined;
  }
  flushChoice();
  return steps;
}

const fallbackCache = new Map<string, Evaluator>();

function fallback(expression: string): Evaluator {
  const hit = fallbackCache.get(expression);
  if (hit) return hit;
  const fn = fhirpath.compile(expression, r4model, { resolveInternalTypes: true });
  const ev: Evaluator = (resource) => {
    try {
      return (fn(resource) as unknown[]).filter((v) => v !== undefined && v !== null);
    } catch {
      // An expression the package cannot evaluate on this resource (for example resolve()) yields no value.
      return [];
    }
  };
  fallbackCache.set(expression, ev);
  return ev;
}

export interface CompiledExpression {
  evaluate: Evaluator;
  /** True when every union member is walked directly (no fhirpath interpretation). */
  direct: boolean;
}

const compiledCache = new Map<string, CompiledExpression>();

export function compileExpression(expression: string, resourceType: string): CompiledExpression {
  const key = resourceType + '\u0000' + expression;
  const hit = compiledCache.get(key);
  if (hit) return hit;
  const parts = splitUnion(expression);
  const compiled = parts.map((p) => compilePart(p, resourceType));
  let result: CompiledExpression;
  if (compiled.every((c): c is Step[] => c !== undefined)) {
    const run = (steps: Step[], resource: object): Node[] => {
      let nodes: Node[] = [resource];
      for (const s of steps) {
        nodes = s(nodes);
        if (nodes.length === 0) break;
      }
      return nodes;
    };
    const evaluate: Evaluator =
      compiled.length === 1 && compiled[0]
        ? (r) => run(compiled[0] ?? [], r)
        : (r) => compiled.flatMap((steps) => run(steps, r));
    result = { evaluate, direct: true };
  } else {
    result = { evaluate: fallback(expression), direct: false };
  }
  compiledCache.set(key, result);
  return result;
}

/** The fhirpath package's own evaluator of an expression, compiled once (for comparisons and benchmarks). */
export function fhirpathEvaluator(expression: string): Evaluator {
  return fallback(expression);
}
