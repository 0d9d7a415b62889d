// token parameters (search.html#token): `code`, `system|code`, `|code`, `system|`, and the modifiers
// `:not`, `:text`, `:of-type`, `:in`, `:not-in`. Codes are compared exactly (case-sensitive).
import { escapeRegex, normaliseString } from '../normalise';
import type { SearchParamDef } from '../registry';
import { expandValueSet } from '../valuesets';
import { badRequest } from '../../fhir/outcome';
import { splitUnescaped, unescapeSearch } from '../escape';
import { type Extractor, type IndexSink, isObject, type Predicate, str } from './common';

const CONTACT_SYSTEMS = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);

function addToken(sink: IndexSink, code: string, system: string | undefined, value: string): void {
  sink.p.add(code);
  sink.k.add(`${code}|${value}`);
  sink.k.add(system === undefined ? `${code}||${value}` : `${code}|${system}|${value}`);
  sink.sortValue(code, value);
}

function addText(sink: IndexSink, code: string, text: unknown): void {
  if (typeof text === 'string' && text !== '') sink.k.add(`${code}:text|${normaliseString(text)}`);
}

function addCoding(sink: IndexSink, code: string, coding: Record<string, unknown>): void {
  const value = str(coding.code);
  const system = str(coding.system);
  if (value !== undefined) addToken(sink, code, system, value);
  else if (system !== undefined) {
    sink.p.add(code);
    sink.k.add(`${code}|${system}|`);
  }
  addText(sink, code, coding.display);
}

/** Writes the token entries of one value, whichever FHIR type it is (recognised by its shape). */
function tokenValue(sink: IndexSink, code: string, v: unknown): void {
  if (typeof v === 'string') {
    if (v !== '') addToken(sink, code, undefined, v);
    return;
  }
  if (typeof v === 'boolean' || typeof v === 'number') return addToken(sink, code, undefined, String(v));
  if (!isObject(v)) return;
  if (Array.isArray(v.coding) || ('text' in v && !('value' in v) && !('code' in v))) {
    // CodeableConcept
    for (const c of (v.coding as unknown[] | undefined) ?? []) if (isObject(c)) addCoding(sink, code, c);
    addText(sink, code, v.text);
    return;
  }
  if ('value' in v && !('unit' in v) && !('comparator' in v)) {
    const value = typeof v.value === 'string' ? v.value : undefined;
    const system = str(v.system);
    if (system !== undefined && CONTACT_SYSTEMS.has(system) && !('type' in v) && !('assigner' in v)) {
      // ContactPoint: the value is the token; its system (phone, email) qualifies it.
      if (value !== undefined) addToken(sink, code, system, value);
      return;
    }
    // Identifier
    if (value !== undefined) addToken(sink, code, system, value);
    const type = v.type;
    if (isObject(type)) {
      for (const c of (type.coding as unknown[] | undefined) ?? []) {
        if (isObject(c) && value !== undefined) {
          sink.k.add(`${code}:of-type|${str(c.system) ?? ''}|${str(c.code) ?? ''}|${value}`);
        }
      }
      addText(sink, code, type.text);
    }
    return;
  }
  if ('code' in v || 'system' in v) return addCoding(sink, code, v); // Coding, or a Quantity's unit
  if (typeof v.reference === 'string') addToken(sink, code, undefined, v.reference);
}

export const extractToken: Extractor = (def, values, sink) => {
  for (const v of values) tokenValue(sink, def.code, v);
};

/** Splits `system|code` at the first unescaped `|`, then unescapes both (`\|` is a bar in the value). */
export function splitToken(value: string): { system?: string; code: string } {
  const [first = '', rest] = splitUnescaped(value, '|', 2);
  if (rest === undefined) return { code: unescapeSearch(first) };
  return { system: unescapeSearch(first), code: unescapeSearch(rest) };
}

export type TokenModifier = 'not' | 'text' | 'of-type' | 'in' | 'not-in' | undefined;

/** The stored entries one token search value matches, as a filter on `idx.k`. */
function tokenMatch(code: string, value: string): Record<string, unknown> {
  const { system, code: c } = splitToken(value);
  if (system === undefined) return { 'idx.k': `${code}|${c}` };
  if (c === '') return { 'idx.k': { $regex: `^${escapeRegex(`${code}|${system}|`)}` } };
  return { 'idx.k': `${code}|${system}|${c}` };
}

export function tokenPredicate(def: SearchParamDef, value: string, modifier: TokenModifier): Predicate {
  const code = def.code;
  switch (modifier) {
    case undefined:
      return { filter: tokenMatch(code, value) };
    case 'not':
      return { filter: { $nor: [tokenMatch(code, value)] } };
    case 'text': {
      const text = normaliseString(unescapeSearch(value));
      return { filter: { 'idx.k': { $regex: `^${escapeRegex(`${code}:text|${text}`)}` } } };
    }
    case 'of-type': {
      const parts = splitUnescaped(value, '|');
      if (parts.length !== 3) throw badRequest(`${code}:of-type needs system|code|value`, code);
      return { filter: { 'idx.k': `${code}:of-type|${parts.map(unescapeSearch).join('|')}` } };
    }
    case 'in':
    case 'not-in': {
      const concepts = expandValueSet(unescapeSearch(value));
      if (!concepts)
        throw badRequest(`${code}:${modifier}: the ValueSet ${value} cannot be expanded here`, code);
      // A `code` element has no system of its own (its binding implies it): its `code||value` entry counts too.
      const keys = concepts.flatMap((cc) => [`${code}|${cc.system}|${cc.code}`, `${code}||${cc.code}`]);
      const match = { 'idx.k': { $in: keys } };
      return { filter: modifier === 'in' ? match : { $nor: [match] } };
    }
  }
}

/**
 * `:not` / `:not-in` with several values: the resources that match none of them (R5 says so explicitly, and
 * HAPI does the same); an OR of negations would match almost everything.
 */
export function tokenNoneOf(def: SearchParamDef, values: string[], modifier: 'not' | 'not-in'): Predicate {
  const positive = modifier === 'not' ? undefined : 'in';
  return { filter: { $nor: values.map((v) => tokenPredicate(def, v, positive).filter) } };
}
