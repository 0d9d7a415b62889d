// reference parameters (search.html#reference): `Type/id`, `id` (one or every target type), absolute URLs
// on our base, `:[type]`, `:identifier`, canonical URLs (with or without `|version`).
import { badRequest } from '../../fhir/outcome';
import type { SearchParamDef } from '../registry';
import { type ExtractContext, type Extractor, isObject, type Predicate, str } from './common';
import { unescapeSearch } from '../escape';
import { splitToken } from './token';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/** The indexed form of a reference: `Type/id` when relative or on our base, else the URL as written. */
export function normaliseReference(reference: string, baseUrl: string | undefined): string {
  let r = reference;
  if (baseUrl && r.startsWith(baseUrl.replace(/\/$/, '') + '/'))
    r = r.slice(baseUrl.replace(/\/$/, '').length + 1);
  const m = RELATIVE.exec(r);
  return m ? `${m[1]}/${m[2]}` : r;
}

export const extractReference: Extractor = (def, values, sink, ctx: ExtractContext) => {
  const code = def.code;
  for (const v of values) {
    if (typeof v === 'string') {
      // canonical or uri: the URL, and without its version
      if (v === '') continue;
      sink.p.add(code);
      sink.k.add(`${code}|${v}`);
      const bar = v.indexOf('|');
      if (bar > 0) sink.k.add(`${code}|${v.slice(0, bar)}`);
      sink.sortValue(code, v);
      continue;
    }
    if (!isObject(v)) continue;
    const reference = str(v.reference);
    if (reference !== undefined && !reference.startsWith('#')) {
      const n = normaliseReference(reference, ctx.baseUrl);
      sink.p.add(code);
      sink.k.add(`${code}|${n}`);
      sink.sortValue(code, n);
    }
    const identifier = v.identifier;
    if (isObject(identifier)) {
      const value = str(identifier.value);
      const system = str(identifier.system);
      if (value !== undefined) {
        sink.p.add(code);
        sink.k.add(`${code}:identifier|${value}`);
        sink.k.add(`${code}:identifier|${system ?? ''}|${value}`);
      }
    }
  }
};

export interface ReferenceSearch {
  baseUrl: string;
  /** The `:[type]` modifier, when given. */
  type?: string;
  identifier?: boolean;
}

/** The `Type/id` strings (or URLs) one search value stands for. */
export function referenceTargets(def: SearchParamDef, value: string, opts: ReferenceSearch): string[] {
  const n = normaliseReference(value, opts.baseUrl);
  if (RELATIVE.test(n)) {
    if (opts.type && !n.startsWith(opts.type + '/')) {
      throw badRequest(`${def.code}:${opts.type}: the value ${value} names another type`, def.code);
    }
    return [n];
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(n)) {
    const types = opts.type ? [opts.type] : def.target;
    if (types.length === 0) return [n];
    return types.map((t) => `${t}/${n}`);
  }
  return [n];
}

export function referencePredicate(def: SearchParamDef, value: string, opts: ReferenceSearch): Predicate {
  const code = def.code;
  if (opts.identifier) {
    const { system, code: v } = splitToken(value);
    return {
      filter: {
        'idx.k': system === undefined ? `${code}:identifier|${v}` : `${code}:identifier|${system}|${v}`,
      },
    };
  }
  const targets = referenceTargets(def, unescapeSearch(value), opts).map((t) => `${code}|${t}`);
  return { filter: { 'idx.k': targets.length === 1 ? targets[0] : { $in: targets } } };
}

/** The filter for a chained parameter: references to any of the resources the sub-search found. */
export function referenceInPredicate(def: SearchParamDef, refs: string[]): Predicate {
  return { filter: { 'idx.k': { $in: refs.map((r) => `${def.code}|${r}`) } } };
}
