// A direct evaluator for the simple FHIRPath of most invariants (paths, exists/empty/not/count/hasValue, where/all,
// extension('url'), and/or/xor/implies, =, !=, comparisons of numbers), over plain JSON (fhirpath.html). It builds on
// the fhirpath package's parse tree and R4 model and navigates as the package does (choice elements by the model's
// types); any input it does not handle exactly like the package (the value of a primitive with extensions,
// non-boolean logic operands, strings compared by order) makes it give up, and the caller evaluates that node with
// the package.
import { childElement, parseFhirPath, r4Model as model } from '../fhir/fhirpath';
import { UCUM } from '../fhir/ucum';
import { comparison } from './fastpath-compare';
import {
  bool,
  EMPTY,
  FALSE,
  GIVE_UP,
  isPlainString,
  isStringConstant,
  isStringLiteral,
  kids,
  literalStrings,
  MIXED,
  own,
  Primitive,
  STRINGS,
  TRUE,
  truth,
  type Coll,
  type Env,
  type Fn,
  type Node,
} from './fastpath-core';
import { disjointFlat } from './fastpath-values';

export { isGiveUp } from './fastpath-core';

/** Whether invariants use this evaluator first; off, every invariant is evaluated by the fhirpath package
 *  (tests compare the two). */
export const fastPath = { enabled: true };

/** The path the fhirpath package starts from for an expression based at `base` (its compile(), normalised). */
function basePath(base: string): { path: string; type: string | undefined } {
  let p = base.replace(/\[\d*]/g, '');
  const elsewhere = Object.keys(model.pathsDefinedElsewhere);
  let changed = true;
  while (changed) {
    changed = false;
    for (const e of elsewhere)
      if (p.startsWith(e)) {
        p = model.pathsDefinedElsewhere[e] + p.substring(e.length);
        changed = true;
        break;
      }
  }
  p = own(model.pathsDefinedElsewhere, p) ?? p;
  const type = model.availableTypes.has(p) ? p : own(model.path2Type, p);
  return { path: type === 'BackboneElement' || type === 'Element' ? p : (type ?? p), type };
}

/** Compiles an expression evaluated on one node at `base`; undefined when it uses anything outside the subset. */
export function compileFast(
  expression: string,
  base: string,
): ((node: unknown, env: Env) => unknown[]) | undefined {
  let fn: Fn | undefined;
  try {
    fn = compile(parseFhirPath(expression) as Node);
  } catch {
    return undefined;
  }
  if (!fn) return undefined;
  const f = fn;
  const { path, type } = basePath(base);
  // The focus collection is made once: evaluations never overlap (nothing here calls back into the validator).
  const focus: Coll = { items: [undefined], path, type };
  return (node, env) => {
    focus.items[0] = node;
    try {
      const items = f(focus, env).items;
      if (items === focus.items) return [node];
      // The package answers with the value of a primitive element: what that is with extensions is left to it.
      for (const x of items) if (x instanceof Primitive) throw GIVE_UP;
      return items;
    } finally {
      focus.items[0] = undefined;
    }
  };
}

function binary(n: Node): Fn | undefined {
  const [ln, rn] = kids(n);
  const l = ln && compile(ln);
  const r = rn && compile(rn);
  if (!l || !r || kids(n).length !== 2) return undefined;
  return comparison(n.text, l, r, isStringConstant(ln) || isStringConstant(rn));
}

function compile(n: Node): Fn | undefined {
  const c = kids(n);
  switch (n.type) {
    case 'EntireExpression':
    case 'TermExpression':
    case 'ParenthesizedTerm':
    case 'InvocationTerm':
      return c.length === 1 ? compile(c[0]!) : undefined;
    case 'LiteralTerm':
      return c.length === 1 ? literal(c[0]!) : undefined;
    case 'ThisInvocation':
      return (focus) => focus;
    case 'ExternalConstantTerm':
      return constant(n);
    case 'MemberInvocation':
      return member(n, undefined);
    case 'FunctionInvocation':
      return fn(n, undefined);
    case 'InvocationExpression': {
      const left = c[0] && compile(c[0]);
      const right = c[1];
      if (!left || !right) return undefined;
      if (right.type === 'MemberInvocation') return member(right, left);
      if (right.type === 'FunctionInvocation') return counted(c[0]!, right) ?? fn(right, left);
      return undefined;
    }
    case 'AndExpression':
    case 'OrExpression':
    case 'ImpliesExpression':
      return logic(n);
    case 'EqualityExpression':
    case 'InequalityExpression':
      return binary(n);
    case 'AdditiveExpression':
      return n.text === '&' ? concat(n) : binary(n);
    case 'MembershipExpression':
      return n.text === 'in' ? membership(n) : undefined;
    default:
      return undefined;
  }
}

/** `path.exists()`, `path.empty()` and `path.count()` of a member step, counted without collecting its items. */
function counted(input: Node, call: Node): Fn | undefined {
  const functn = kids(call)[0];
  const name = functn && kids(functn)[0]?.text;
  if (name !== 'exists' && name !== 'empty' && name !== 'count') return undefined;
  if (!functn || kids(kids(functn)[1] ?? { type: '' }).length > 0) return undefined;
  const count = memberCount(input);
  if (!count) return undefined;
  if (name === 'exists') return (f, env) => bool(count(f, env) > 0);
  if (name === 'empty') return (f, env) => bool(count(f, env) === 0);
  return (f, env) => ({ items: [count(f, env)] });
}

function literal(n: Node): Fn | undefined {
  const text = n.text ?? '';
  let value: unknown;
  if (n.type === 'StringLiteral') {
    if (text.includes('\\') || text.length < 2) return undefined;
    value = text.slice(1, -1);
  } else if (n.type === 'BooleanLiteral') value = text === 'true';
  else if (n.type === 'NumberLiteral' && /^\d+$/.test(text)) value = Number(text);
  else return undefined;
  const out: Coll = { items: [value] };
  return () => out;
}

function constant(n: Node): Fn | undefined {
  const name = kids(kids(n)[0] ?? { type: '' })[0]?.text;
  if (name === 'resource' || name === 'rootResource')
    return (_f, env) => {
      const r = env[name] as { resourceType?: unknown } | undefined;
      if (!r) return { items: [] };
      if (typeof r.resourceType !== 'string') throw GIVE_UP;
      return { items: [r], path: r.resourceType, type: r.resourceType };
    };
  if (name === 'ucum') {
    const out: Coll = { items: [UCUM] };
    return () => out;
  }
  return undefined;
}

/** Where a member step leads from one parent path: the JSON key(s) and the model path and type of the result. */
interface Target {
  key: string;
  ext: string;
  path: string;
  type: string | undefined;
}

/** The targets of `name` from `parent`, as the package's makeChildResNodes resolves them (choices in model order). */
function targetsOf(parent: string, name: string): Target[] {
  const { path: child, choices } = childElement(parent, name);
  const target = (key: string, path: string): Target => ({
    key,
    ext: '_' + key,
    path: own(model.path2TypeWithoutElements, path) ?? path,
    type: own(model.path2Type, path),
  });
  if (choices) return choices.map((t) => target(name + t, child + t));
  return [target(name, name === 'extension' ? 'Extension' : child)];
}

/** The name of a member step, or undefined for type names (`Patient.x`) and anything but a plain element name. */
function memberName(n: Node): string | undefined {
  let name = kids(n)[0]?.text ?? '';
  if (name.startsWith('`')) name = name.slice(1, -1);
  return /^[a-z][A-Za-z0-9]*$/.test(name) ? name : undefined;
}

/** Finds where `name` sits in an item whose parent path is `from` (the model's targets, choices in model order):
 *  the target present (its value, its `_name` sibling or both), or undefined; a null value gives up. */
function targetFinder(
  name: string,
): (o: Record<string, unknown>, from: string | undefined) => Target | undefined {
  const resolved = new Map<string, Target[]>();
  // Most steps start from the same parent every time: its targets are kept at hand.
  let lastParent: string | undefined;
  let lastTargets: Target[] = [];
  return (o, from) => {
    const rt = o.resourceType;
    const parent = typeof rt === 'string' ? rt : from;
    if (parent === undefined || parent === MIXED) throw GIVE_UP;
    if (parent !== lastParent) {
      let targets = resolved.get(parent);
      if (!targets) resolved.set(parent, (targets = targetsOf(parent, name)));
      lastParent = parent;
      lastTargets = targets;
    }
    for (const x of lastTargets) {
      const v = o[x.key];
      if (v === null) throw GIVE_UP;
      if (v !== undefined || o[x.ext] !== undefined) return x;
    }
    return undefined;
  };
}

/** A single primitive value with its `_name` object, or with that alone, as the package's one node of both; any
 *  other shape (arrays of values and extensions matched by index, a null or an object there) gives up. */
function primitive(v: unknown, ext: unknown): Primitive {
  if (typeof ext !== 'object' || ext === null || Array.isArray(ext)) throw GIVE_UP;
  if (v !== undefined && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
    throw GIVE_UP;
  return new Primitive(v, ext as Record<string, unknown>);
}

/** `name` on each item, as the package's makeChildResNodes finds it; a primitive with a `_name` sibling is one
 *  Primitive item. Steps from a Primitive (to its id or extensions as members) give up. */
function member(n: Node, input: Fn | undefined): Fn | undefined {
  const name = memberName(n);
  if (!name) return undefined;
  const find = targetFinder(name);
  return (focus, env) => {
    const from = input ? input(focus, env) : focus;
    const items: unknown[] = [];
    let path: string | undefined;
    let type: string | undefined;
    for (const item of from.items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      if (item instanceof Primitive) throw GIVE_UP;
      const o = item as Record<string, unknown>;
      const t = find(o, from.path);
      if (!t) continue;
      const v = o[t.key];
      const ext = o[t.ext];
      if (path === undefined) {
        path = t.path;
        type = t.type;
      } else if (path !== t.path || type !== t.type) path = MIXED;
      if (ext !== undefined) items.push(primitive(v, ext));
      else if (Array.isArray(v)) {
        for (const x of v) {
          if (x === null || x === undefined) throw GIVE_UP;
          items.push(x);
        }
      } else items.push(v);
    }
    // An empty result needs no path: nothing is navigated from it.
    return items.length === 0 ? EMPTY : { items, path, type };
  };
}

/** How many items a member step yields, found as `member` finds them (same give-ups) without collecting them:
 *  `code.empty()`, `request.exists()`, `name.count()`. Undefined when `n` is not a member step. */
function memberCount(n: Node): ((focus: Coll, env: Env) => number) | undefined {
  while ((n.type === 'TermExpression' || n.type === 'InvocationTerm') && kids(n).length === 1)
    n = kids(n)[0]!;
  let input: Fn | undefined;
  if (n.type === 'InvocationExpression') {
    const [l, r] = kids(n);
    input = l && compile(l);
    if (!input || r?.type !== 'MemberInvocation' || kids(n).length !== 2) return undefined;
    n = r;
  } else if (n.type !== 'MemberInvocation') return undefined;
  const name = memberName(n);
  if (!name) return undefined;
  const find = targetFinder(name);
  const src = input;
  return (focus, env) => {
    const from = src ? src(focus, env) : focus;
    let count = 0;
    for (const item of from.items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      if (item instanceof Primitive) throw GIVE_UP;
      const o = item as Record<string, unknown>;
      const t = find(o, from.path);
      if (!t) continue;
      const v = o[t.key];
      const ext = o[t.ext];
      if (ext !== undefined) {
        primitive(v, ext);
        count++;
      } else if (Array.isArray(v)) {
        for (const x of v) if (x === null || x === undefined) throw GIVE_UP;
        count += v.length;
      } else count++;
    }
    return count;
  };
}

function fn(n: Node, input: Fn | undefined): Fn | undefined {
  const functn = kids(n)[0];
  const name = functn && kids(functn)[0]?.text;
  const params = functn ? kids(kids(functn)[1] ?? { type: '' }) : [];
  if (name === 'is') return isType(params, input);
  const arg = params[0] ? compile(params[0]) : undefined;
  if (params.length > 1 || (params.length === 1 && !arg)) return undefined;
  const src: Fn = input ?? ((focus) => focus);
  const noArgs = params.length === 0;
  switch (name) {
    case 'exists':
      if (noArgs) return (f, env) => bool(src(f, env).items.length > 0);
      return (f, env) => bool(where(src(f, env), arg!, env).items.length > 0);
    case 'empty':
      return noArgs ? (f, env) => bool(src(f, env).items.length === 0) : undefined;
    case 'count':
      return noArgs ? (f, env) => ({ items: [src(f, env).items.length] }) : undefined;
    case 'not':
      return noArgs
        ? (f, env) => {
            const t = truth(src(f, env));
            return t === undefined ? EMPTY : bool(!t);
          }
        : undefined;
    case 'hasValue':
      return noArgs
        ? (f, env) => {
            const c = src(f, env);
            if (c.items.length !== 1) return FALSE;
            const x = c.items[0];
            if (x instanceof Primitive ? x.value === undefined : typeof x === 'object') return FALSE;
            // The package asks the model whether the node is a primitive.
            if (c.type === undefined || c.path === MIXED) throw GIVE_UP;
            return bool(/^[a-z]/.test(c.type));
          }
        : undefined;
    case 'where':
      return arg ? (f, env) => where(src(f, env), arg, env) : undefined;
    case 'select':
      return arg
        ? (f, env) => {
            const c = src(f, env);
            const items: unknown[] = [];
            let type: string | undefined;
            c.items.forEach((item, i) => {
              const r = arg({ items: [item], path: c.path, type: c.type }, env);
              if (i === 0) type = r.type;
              else if (r.type !== type) type = MIXED;
              items.push(...r.items);
            });
            // What a projection yields is not navigated further here.
            return { items, path: MIXED, type };
          }
        : undefined;
    case 'intersect':
      // Only the empty cases (an empty side, or Codings none of which equals one of the other side): intersecting
      // elements that may be equal compares them as the package's deepEqual does.
      return arg && params[0] && fromConstant(params[0])
        ? (f, env) => {
            const c = src(f, env);
            if (c.items.length === 0) return EMPTY;
            const other = arg(f, env).items;
            if (other.length === 0 || disjointFlat(c.items, other)) return EMPTY;
            throw GIVE_UP;
          }
        : undefined;
    case 'trace':
      // The validator's trace function does nothing: the input passes through.
      return arg && params[0] && isStringLiteral(params[0]) ? src : undefined;
    case 'first':
      return noArgs
        ? (f, env) => {
            const c = src(f, env);
            return { items: c.items.slice(0, 1), path: c.path, type: c.type };
          }
        : undefined;
    case 'isDistinct':
      return noArgs
        ? (f, env) => {
            const c = src(f, env);
            if (c.items.length === 0) return TRUE;
            if (!isPlainString(c)) throw GIVE_UP;
            return bool(new Set(c.items).size === c.items.length);
          }
        : undefined;
    case 'contains':
      return arg && isStringLiteral(params[0])
        ? (f, env) => {
            const c = src(f, env);
            const sub = arg(f, env).items;
            if (c.items.length === 0 || sub.length === 0) return EMPTY;
            const str = c.items[0];
            if (c.items.length > 1 || typeof str !== 'string' || !STRINGS.has(c.type ?? '')) throw GIVE_UP;
            if (sub.length > 1 || typeof sub[0] !== 'string') throw GIVE_UP;
            return bool(str.includes(sub[0]));
          }
        : undefined;
    case 'matches': {
      // The package tests a single string with `new RegExp(regex, 'us')`: a partial match.
      const literal = params[0] && literalStrings(params[0]);
      if (!literal || literal.size !== 1) return undefined;
      let re: RegExp;
      try {
        re = new RegExp([...literal][0]!, 'us');
      } catch {
        return undefined;
      }
      return (f, env) => {
        const c = src(f, env);
        if (c.items.length === 0) return EMPTY;
        const str = c.items[0];
        if (c.items.length > 1 || typeof str !== 'string' || !STRINGS.has(c.type ?? '')) throw GIVE_UP;
        return bool(re.test(str));
      };
    }
    case 'extension':
      return extension(params[0], src);
    case 'all':
      return arg
        ? (f, env) => {
            const c = src(f, env);
            for (const item of c.items) {
              const r = arg({ items: [item], path: c.path, type: c.type }, env).items;
              if (r.length === 1 && r[0] instanceof Primitive) throw GIVE_UP;
              if (!(r.length === 1 && r[0] === true)) return FALSE;
            }
            return TRUE;
          }
        : undefined;
    default:
      return undefined;
  }
}

/** `extension('url')`: the extensions of each item with that url, read as the package's filtering.extension does
 *  (an element's own `extension`, a primitive's in its `_name` object); a list or an extension that is not of
 *  JSON objects gives up (the package fails on it). */
function extension(param: Node | undefined, src: Fn): Fn | undefined {
  const literal = param && literalStrings(param);
  if (!literal || literal.size !== 1) return undefined;
  const url = [...literal][0]!;
  return (f, env) => {
    const c = src(f, env);
    if (url === '') return EMPTY;
    let items: unknown[] | undefined;
    for (const item of c.items) {
      let list: unknown;
      if (item instanceof Primitive) list = item.ext.extension;
      else if (typeof item === 'object' && item !== null && !Array.isArray(item))
        list = (item as Record<string, unknown>).extension;
      else if (Array.isArray(item)) throw GIVE_UP;
      // A value without a `_name` object has no extensions.
      else continue;
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw GIVE_UP;
      for (const e of list) {
        if (typeof e !== 'object' || e === null || Array.isArray(e)) throw GIVE_UP;
        if ((e as Record<string, unknown>).url === url) (items ??= []).push(e);
      }
    }
    return items ? { items, path: 'Extension', type: 'Extension' } : EMPTY;
  };
}

/** `is(Type)` of a resource, by its resourceType and the model's base types (`is(DomainResource)`). */
function isType(params: Node[], input: Fn | undefined): Fn | undefined {
  const target = params.length === 1 ? params[0]!.text : undefined;
  if (!target || !/^[A-Z][A-Za-z]*$/.test(target)) return undefined;
  const src: Fn = input ?? ((focus) => focus);
  return (f, env) => {
    const items = src(f, env).items;
    if (items.length === 0) return EMPTY;
    const rt = (items[0] as { resourceType?: unknown } | null)?.resourceType;
    if (items.length > 1 || typeof items[0] !== 'object' || typeof rt !== 'string') throw GIVE_UP;
    for (let t: string | undefined = rt; t; t = own(model.type2Parent, t)) if (t === target) return TRUE;
    return FALSE;
  };
}

/** Whether an argument starts at a %constant or literal, so its value does not depend on where it is evaluated. */
function fromConstant(n: Node): boolean {
  for (;;) {
    if (n.type === 'ExternalConstantTerm' || n.type === 'LiteralTerm') return true;
    if (n.type !== 'InvocationExpression' && n.type !== 'TermExpression') return false;
    const first = kids(n)[0];
    if (!first) return false;
    n = first;
  }
}

function where(c: Coll, criteria: Fn, env: Env): Coll {
  const items: unknown[] = [];
  for (const item of c.items)
    if (truth(criteria({ items: [item], path: c.path, type: c.type }, env)) === true) items.push(item);
  return { items, path: c.path, type: c.type };
}

function logic(n: Node): Fn | undefined {
  const [l, r] = kids(n).map(compile);
  if (!l || !r || kids(n).length !== 2) return undefined;
  switch (n.text) {
    case 'and':
      return (f, env) => {
        const a = truth(l(f, env));
        const b = truth(r(f, env));
        return a === false || b === false ? FALSE : a === true && b === true ? TRUE : EMPTY;
      };
    case 'or':
      return (f, env) => {
        const a = truth(l(f, env));
        const b = truth(r(f, env));
        return a === true || b === true ? TRUE : a === false && b === false ? FALSE : EMPTY;
      };
    case 'xor':
      return (f, env) => {
        const a = truth(l(f, env));
        const b = truth(r(f, env));
        return a === undefined || b === undefined ? EMPTY : bool(a !== b);
      };
    case 'implies':
      return (f, env) => {
        const a = truth(l(f, env));
        const b = truth(r(f, env));
        if (a === false || b === true) return TRUE;
        return a === true && b === false ? FALSE : EMPTY;
      };
    default:
      return undefined;
  }
}

/** `a & b`: string concatenation, an empty operand counting as ''. */
function concat(n: Node): Fn | undefined {
  const [l, r] = kids(n).map(compile);
  if (!l || !r || kids(n).length !== 2) return undefined;
  const side = (c: Coll): string => {
    if (c.items.length === 0) return '';
    if (c.items.length > 1 || !isPlainString(c)) throw GIVE_UP;
    return c.items[0] as string;
  };
  return (f, env) => ({ items: [side(l(f, env)) + side(r(f, env))] });
}

/** `x in ('a' | 'b')` against a list of string literals. */
function membership(n: Node): Fn | undefined {
  const [ln, rn] = kids(n);
  const l = ln && compile(ln);
  const values = rn && literalStrings(rn);
  if (!l || !values) return undefined;
  return (f, env) => {
    const c = l(f, env);
    if (c.items.length === 0) return EMPTY;
    if (c.items.length > 1 || !isPlainString(c)) throw GIVE_UP;
    return bool(values.has(c.items[0] as string));
  };
}
