// string parameters (search.html#string): accent- and case-insensitive starts-with, `:exact`, `:contains`.
import { badRequest } from '../../fhir/outcome';
import { unescapeSearch } from '../escape';
import { escapeRegex, normaliseString } from '../normalise';
import { phoneticKeys, phoneticQuery } from '../phonetic';
import type { SearchParamDef } from '../registry';
import { type Extractor, isObject, type Predicate, str } from './common';

const HUMAN_NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'];
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'];

/** The string parts of a value: HumanName and Address are searched on each part. */
export function stringParts(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!isObject(value)) return [];
  // Any part of its own tells the type: a HumanName with only a prefix, an Address with only a state.
  const has = (parts: string[]): boolean => parts.some((k) => k !== 'text' && k in value);
  const keys = has(HUMAN_NAME_PARTS)
    ? HUMAN_NAME_PARTS
    : has(ADDRESS_PARTS)
      ? ADDRESS_PARTS
      : ['text', 'display', 'value'];
  const out: string[] = [];
  for (const key of keys) {
    const v = value[key];
    for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string' && s !== '') out.push(s);
  }
  return out;
}

export const extractString: Extractor = (def, values, sink) => {
  const code = def.code;
  for (const v of values) {
    for (const part of stringParts(v)) {
      const norm = normaliseString(part);
      if (norm === '') continue;
      sink.p.add(code);
      sink.sortValue(code, norm);
      if (def.code === 'phonetic') {
        // Only the sound is indexed: starts-with, :exact and :contains are what `name` is for.
        for (const key of phoneticKeys(part)) sink.k.add(`${code}:phonetic|${key}`);
        continue;
      }
      sink.k.add(`${code}|${norm}`);
      sink.k.add(`${code}:exact|${part}`);
    }
  }
};

export type StringModifier = 'exact' | 'contains' | undefined;

/** One value of a string parameter (an OR member). */
export function stringPredicate(def: SearchParamDef, raw: string, modifier: StringModifier): Predicate {
  const code = def.code;
  const value = unescapeSearch(raw);
  if (modifier === 'exact') return { filter: { 'idx.k': `${code}:exact|${value}` } };
  const norm = normaliseString(value);
  if (def.code === 'phonetic') {
    if (modifier !== undefined)
      throw badRequest(`phonetic: the modifier :${modifier} is not supported`, 'phonetic');
    const { whole, each } = phoneticQuery(value);
    const entry = (k: string): Record<string, unknown> => ({ 'idx.k': `${code}:phonetic|${k}` });
    // The joined value sounds like a stored part, or every word of it sounds like some stored word.
    if (each.length <= 1) return { filter: entry(whole) };
    return { filter: { $or: [entry(whole), { $and: each.map(entry) }] } };
  }
  if (modifier === 'contains') {
    // Looked for inside the whole normalised entries `code|value`. Entries of their own for every suffix gave a
    // Patient 114 more index keys than its 60, and every write paid for them (FerretDB's cost grows with the
    // fields); on MongoDB the literal head `code|` still bounds the index scan.
    return { filter: { 'idx.k': { $regex: `^${escapeRegex(`${code}|`)}[\\s\\S]*${escapeRegex(norm)}` } } };
  }
  return { filter: { 'idx.k': { $regex: `^${escapeRegex(`${code}|${norm}`)}` } } };
}

export const isString = (v: unknown): boolean => str(v) !== undefined;
