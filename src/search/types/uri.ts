// uri parameters (search.html#uri): exact, `:below` (a path prefix) and `:above` (the value is below the stored one).
import { unescapeSearch } from '../escape';
import { escapeRegex } from '../normalise';
import type { SearchParamDef } from '../registry';
import type { Extractor, Predicate } from './common';

export const extractUri: Extractor = (def, values, sink) => {
  for (const v of values) {
    if (typeof v !== 'string' || v === '') continue;
    sink.p.add(def.code);
    sink.k.add(`${def.code}|${v}`);
    // A canonical may carry `|version`; it is found without it too.
    const bar = v.indexOf('|');
    if (bar > 0) sink.k.add(`${def.code}|${v.slice(0, bar)}`);
    sink.sortValue(def.code, v);
  }
};

export type UriModifier = 'below' | 'above' | undefined;

export function uriPredicate(def: SearchParamDef, raw: string, modifier: UriModifier): Predicate {
  const code = def.code;
  const value = unescapeSearch(raw);
  if (modifier === 'below') return { filter: { 'idx.k': { $regex: `^${escapeRegex(`${code}|${value}`)}` } } };
  if (modifier === 'above') {
    // Every ancestor path of the value: http://a/b/c is above-matched by http://a/b/c, http://a/b, http://a.
    const candidates: string[] = [];
    let v = value;
    while (v.length > 0) {
      candidates.push(`${code}|${v}`);
      const slash = v.lastIndexOf('/');
      if (slash <= 0 || v.slice(0, slash).endsWith(':/') || v.slice(0, slash).endsWith(':')) break;
      v = v.slice(0, slash);
    }
    return { filter: { 'idx.k': { $in: candidates } } };
  }
  return { filter: { 'idx.k': `${code}|${value}` } };
}
