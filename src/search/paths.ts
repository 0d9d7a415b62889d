// Compiled FHIRPath for search expressions (fhirpath.html, searchparameter.html#expression): the common
// shapes become direct property walkers; anything else is compiled once by the fhirpath package.
import { childElement, compileFhirPath, type CompiledFhirPath } from '../fhir/fhirpath';
import { splitUnion } from './registry';

export type Evaluator = (resource: object) => unknown[];
type Node = unknown;
type Step = (nodes: Node[]) => Node[];

/** Where a step leads: a choice element (its JSON keys carry a type suffix) or a plain one, with the next path. */
function resolveStep(path: string | undefined, name: string): { choice: boolean; next: string | undefined } {
  if (path === undefined) return { choice: false, next: undefined };
  const child = childElement(path, name);
  if (child.choices) return { choice: true, next: undefined };
  const code = child.type;
  if (code === undefined) return { choice: false, next: undefined };
  return { choice: false, next: code === 'BackboneElement' || code === 'Element' ? child.path : code };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function pushAll(out: Node[], v: unknown): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== undefined && x !== null) out.push(x);
  } else out.push(v);
}

/** A plain property step; it carries its name so that a path of plain steps becomes one walker. */
function field(name: string): Step & { fieldName?: string } {
  const step: Step & { fieldName?: string } = (nodes) => {
    const out: Node[] = [];
    for (const n of nodes) if (isObject(n)) pushAll(out, n[name]);
    return out;
  };
  step.fieldName = name;
  return step;
}

/** A path of plain properties, walked depth-first into one output array (no intermediate arrays). */
function fieldWalker(names: string[]): (resource: object, out: Node[]) => void {
  const n = names.length;
  const visit = (node: unknown, i: number, out: Node[]): void => {
    if (i === n) {
      out.push(node);
      return;
    }
    if (!isObject(node)) return;
    const v = node[names[i] ?? ''];
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== undefined && x !== null) visit(x, i + 1, out);
    } else visit(v, i + 1, out);
  };
  return (resource, out) => visit(resource, 0, out);
}

/** A step on an element of unknown type: the key itself, else a choice element's typed keys. */
function dynamicField(name: string): Step {
  const exact = field(name);
  const choice = choiceField(name);
  return (nodes) => {
    const out = exact(nodes);
    return out.length > 0 ? out : choice(nodes);
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
function referenceType(ref: unknown): string | undefined {
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

/** FHIR primitive and datatype specialisations that a cast to the base type includes. */
const SUBTYPES: Record<string, string[]> = {
  uri: ['canonical', 'url', 'oid', 'uuid'],
  string: ['code', 'id', 'markdown'],
  integer: ['positiveInt', 'unsignedInt'],
  Quantity: ['Age', 'Duration', 'Distance', 'Count'],
};

const IDENT = /^[a-z][A-Za-z0-9]*$/;
const TYPE = /^[A-Za-z][A-Za-z0-9]*$/;

/** Compiles one union member into steps, or undefined when its shape is not one we walk directly. */
function compilePart(part: string, resourceType: string): Step[] | undefined {
  let p = part.trim();
  while (p.startsWith('(') && p.endsWith(')') && splitUnion(p.slice(1, -1)).length === 1)
    p = p.slice(1, -1).trim();
  // `(X.value as CodeableConcept).text`: the cast inside parentheses, then more steps.
  const castThen = /^\(([^()]*\S)\s+as\s+([A-Za-z][A-Za-z0-9]*)\)\.(.+)$/.exec(p);
  if (castThen) {
    const inner = compilePart(`${castThen[1]} as ${castThen[2]}`, resourceType);
    const rest = compilePart(`${resourceType}.${castThen[3]}`, resourceType);
    return inner && rest ? [...inner, ...rest] : undefined;
  }
  // `X.deceased.exists() and X.deceased != false` (Patient-deceased): true when present and not false.
  const deceased = /^(\S+)\.exists\(\) and (\S+) != false$/.exec(p);
  if (deceased && deceased[1] === deceased[2]) {
    const steps = compilePart(deceased[1] ?? '', resourceType);
    if (!steps) return undefined;
    return [
      (nodes) => {
        let cur = nodes;
        for (const s of steps) cur = s(cur);
        return [cur.length > 0 && !cur.every((v) => v === false)];
      },
    ];
  }
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
  // The model path of the current nodes (undefined once unknown: then steps are resolved at run time).
  let path: string | undefined = resourceType === 'Composite' ? undefined : resourceType;
  let pendingChoice: string | undefined;
  let lastDynamic: string | undefined;
  const flushChoice = (): void => {
    if (pendingChoice) steps.push(choiceField(pendingChoice));
    pendingChoice = undefined;
  };
  for (const t of tokens) {
    let m: RegExpExecArray | null;
    if (IDENT.test(t)) {
      if (pendingChoice) {
        // A choice element followed by more steps without a cast: typed keys, path unknown from here.
        flushChoice();
        path = undefined;
      }
      const step = resolveStep(path, t);
      if (step.choice) pendingChoice = t;
      else steps.push(path === undefined ? dynamicField(t) : field(t));
      lastDynamic = path === undefined && !step.choice ? t : undefined;
      path = step.next;
    } else if ((m = /^(?:as|ofType)\(([A-Za-z][A-Za-z0-9]*)\)$/.exec(t)) && m[1] && TYPE.test(m[1])) {
      // Only a type filter right after a choice element is a plain key (`value.as(Quantity)` is `valueQuantity`);
      // on an element of unknown type, the element before the cast is taken as a choice.
      if (!pendingChoice && lastDynamic) {
        steps.pop();
        pendingChoice = lastDynamic;
      }
      lastDynamic = undefined;
      if (!pendingChoice) return undefined;
      // A cast also admits the type's specialisations (`as uri` reads `sourceCanonical` too).
      const keys = [m[1], ...(SUBTYPES[m[1]] ?? [])].map((t2) => field(pendingChoice + capitalise(t2)));
      steps.push(keys.length === 1 && keys[0] ? keys[0] : (nodes) => keys.flatMap((k) => k(nodes)));
      path = capitalise(m[1]);
      pendingChoice = undefined;
    } else if ((m = /^where\(resolve\(\)\s+is\s+([A-Z][A-Za-z]*)\)$/.exec(t))) {
      flushChoice();
      const type = m[1];
      steps.push(filter((n) => referenceType(n) === type));
    } else if ((m = /^extension\('([^']+)'\)$/.exec(t))) {
      flushChoice();
      const url = m[1];
      steps.push(
        field('extension'),
        filter((n) => isObject(n) && n.url === url),
      );
      path = 'Extension';
    } else if ((m = /^where\(([a-z][A-Za-z0-9]*)\s*=\s*'([^']*)'\)$/.exec(t))) {
      flushChoice();
      const [, key, value] = m;
      steps.push(filter((n) => isObject(n) && key !== undefined && n[key] === value));
    } else return undefined;
  }
  flushChoice();
  return steps;
}

/**
 * The fhirpath package's evaluator of an expression (compiled once in src/fhir/fhirpath.ts), values only: for what
 * the walkers do not take, and for comparisons and benchmarks.
 */
export function fhirpathEvaluator(expression: string): Evaluator {
  let fn: CompiledFhirPath;
  try {
    fn = compileFhirPath(expression);
  } catch {
    // An expression the package cannot parse indexes nothing.
    return () => [];
  }
  return (resource) => {
    try {
      return fn(resource).filter((v) => v !== undefined && v !== null);
    } catch {
      // An expression the package cannot evaluate on this resource (for example resolve()) yields no value.
      return [];
    }
  };
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
    const walkers = compiled.map((steps): ((resource: object, out: Node[]) => void) => {
      const names = steps.map((st) => (st as { fieldName?: string }).fieldName);
      if (names.every((nm): nm is string => nm !== undefined)) return fieldWalker(names);
      return (resource, out) => {
        let nodes: Node[] = [resource];
        for (const st of steps) {
          nodes = st(nodes);
          if (nodes.length === 0) return;
        }
        for (const x of nodes) out.push(x);
      };
    });
    const evaluate: Evaluator = (r) => {
      const out: Node[] = [];
      for (const w of walkers) w(r, out);
      return out;
    };
    result = { evaluate, direct: true };
  } else {
    result = { evaluate: fhirpathEvaluator(expression), direct: false };
  }
  compiledCache.set(key, result);
  return result;
}
