// composite parameters (search.html#composite): the components of one element are indexed together as
// `code|c0$c1` (tokens, strings) or, when the last component is a date, number or quantity, as a range entry
// whose prefix carries the leading components (`code-value-quantity=http://loinc.org|8480-6$gt100`).
import { badRequest } from '../../fhir/outcome';
import { splitUnescaped, unescapeSearch } from '../escape';
import { normaliseString } from '../normalise';
import { compileExpression } from '../paths';
import type { SearchParamDef, SearchParamType } from '../registry';
import { type Extractor, IndexSink, type Predicate, PREFIXES, type Prefix } from './common';
import { datePredicate, extractDate } from './date';
import { extractNumber, numberPredicate } from './number';
import { extractQuantity, quantityPredicate } from './quantity';
import { extractReference } from './reference';
import { extractToken, splitToken } from './token';
import { extractUri } from './uri';

const RANGE_TYPES: ReadonlySet<SearchParamType> = new Set(['date', 'number', 'quantity']);
const MAX_COMBINATIONS = 64;

const leafExtractors: Partial<Record<SearchParamType, Extractor>> = {
  token: extractToken,
  reference: extractReference,
  uri: extractUri,
  date: extractDate,
  number: extractNumber,
  quantity: extractQuantity,
};

/** The equality forms of one non-range component value. */
function forms(type: SearchParamType, values: unknown[]): string[] {
  if (type === 'string') {
    return values.filter((v): v is string => typeof v === 'string').map(normaliseString);
  }
  const sink = new IndexSink();
  leafExtractors[type]?.({ code: '' } as SearchParamDef, values, sink, {});
  return [...sink.k].filter((e) => e.startsWith('|')).map((e) => e.slice(1));
}

const relativeCache = new Map<string, ReturnType<typeof compileExpression>>();
/** A component expression is relative to the composite's element; it is compiled under a stand-in type. */
function relative(expression: string): ReturnType<typeof compileExpression> {
  let hit = relativeCache.get(expression);
  if (!hit) relativeCache.set(expression, (hit = compileExpression(`Composite.${expression}`, 'Composite')));
  return hit;
}

export const extractComposite: Extractor = (def, values, sink) => {
  const comps = def.components;
  if (comps.length < 2) return;
  const last = comps[comps.length - 1];
  const ranged = last !== undefined && RANGE_TYPES.has(last.type);
  const leading = ranged ? comps.slice(0, -1) : comps;
  for (const root of values) {
    if (typeof root !== 'object' || root === null) continue;
    let prefixes = [''];
    for (const c of leading) {
      const fs = forms(c.type, relative(c.expression).evaluate(root));
      prefixes = prefixes
        .flatMap((p) => fs.map((f) => (p === '' ? f : `${p}$${f}`)))
        .slice(0, MAX_COMBINATIONS);
    }
    if (prefixes.length === 0 || prefixes[0] === '') continue;
    if (!ranged || !last) {
      for (const p of prefixes) sink.k.add(`${def.code}|${p}`);
      sink.p.add(def.code);
      continue;
    }
    const inner = new IndexSink();
    leafExtractors[last.type]?.(
      { code: '' } as SearchParamDef,
      relative(last.expression).evaluate(root),
      inner,
      {},
    );
    if (inner.r.size === 0) continue;
    sink.p.add(def.code);
    for (const p of prefixes) {
      for (const e of inner.r) sink.r.add(`${def.code}|${p}$${e}`);
      for (const e of inner.rh) sink.rh.add(`${def.code}|${p}$${e}`);
    }
  }
};

function queryForm(type: SearchParamType, text: string): string {
  if (type === 'string') return normaliseString(unescapeSearch(text));
  const { system, code } = splitToken(text);
  return system === undefined ? code : `${system}|${code}`;
}

export function compositePredicate(def: SearchParamDef, value: string): Predicate {
  const parts = splitUnescaped(value, '$');
  if (parts.length !== def.components.length) {
    throw badRequest(`${def.code}: expected ${def.components.length} components separated by $`, def.code);
  }
  const last = def.components[def.components.length - 1];
  if (!last || !RANGE_TYPES.has(last.type)) {
    const key = def.components.map((c, i) => queryForm(c.type, parts[i] ?? '')).join('$');
    return { filter: { 'idx.k': `${def.code}|${key}` } };
  }
  const head = def.components
    .slice(0, -1)
    .map((c, i) => queryForm(c.type, parts[i] ?? ''))
    .join('$');
  const inner = { ...def, code: `${def.code}|${head}$` };
  const raw = parts[parts.length - 1] ?? '';
  const maybe = raw.slice(0, 2) as Prefix;
  const [prefix, rest] = PREFIXES.includes(maybe) ? [maybe, raw.slice(2)] : ['eq' as Prefix, raw];
  // The inner code ends with `$`; the range entries were written as `code|head$|...`.
  const innerDef = { ...inner, code: inner.code.slice(0, -1) + '$' };
  switch (last.type) {
    case 'quantity':
      return quantityPredicate(innerDef, prefix, rest);
    case 'number':
      return numberPredicate(innerDef, prefix, rest);
    default:
      return datePredicate(innerDef, prefix, rest);
  }
}
