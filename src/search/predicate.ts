// One search value of one parameter as a Predicate, by parameter type (search.html#ptypes, #modifiers).
import { badRequest } from '../fhir/outcome';
import type { SearchParamDef } from './registry';
import { type Predicate, PREFIXES, type Prefix } from './types/common';
import { compositePredicate } from './types/composite';
import { datePredicate } from './types/date';
import { numberPredicate } from './types/number';
import { quantityPredicate } from './types/quantity';
import { referencePredicate } from './types/reference';
import { specialPredicate } from './types/special';
import { type StringModifier, stringPredicate } from './types/string';
import { type TokenModifier, tokenPredicate } from './types/token';
import { type UriModifier, uriPredicate } from './types/uri';

/** `ge2024` -> ['ge', '2024']; a value without a known prefix is `eq` (search.html#prefix). */
export function splitPrefix(def: SearchParamDef, value: string): [Prefix, string] {
  const head = value.slice(0, 2);
  if (/^[a-z]{2}/.test(head)) {
    if (!PREFIXES.includes(head as Prefix))
      throw badRequest(`${def.code}: unknown prefix '${head}'`, def.code);
    return [head as Prefix, value.slice(2)];
  }
  return ['eq', value];
}

function allowed(def: SearchParamDef, modifier: string | undefined, list: readonly string[]): void {
  if (modifier !== undefined && !list.includes(modifier)) {
    throw badRequest(
      `${def.code}: the modifier :${modifier} does not apply to ${def.type} parameters`,
      def.code,
    );
  }
}

export function missingPredicate(def: SearchParamDef, missing: boolean): Predicate {
  return { filter: missing ? { $nor: [{ 'idx.p': def.code }] } : { 'idx.p': def.code } };
}

export function valuePredicate(
  def: SearchParamDef,
  modifier: string | undefined,
  value: string,
  baseUrl: string,
): Predicate {
  if (modifier === 'missing') return missingPredicate(def, value === 'true');
  if (value === '') throw badRequest(`${def.code}: empty value`, def.code);
  switch (def.type) {
    case 'string':
      allowed(def, modifier, ['exact', 'contains']);
      return stringPredicate(def, value, modifier as StringModifier);
    case 'token':
      allowed(def, modifier, ['not', 'text', 'of-type', 'in', 'not-in']);
      return tokenPredicate(def, value, modifier as TokenModifier);
    case 'reference':
      if (modifier === 'identifier') return referencePredicate(def, value, { baseUrl, identifier: true });
      if (modifier !== undefined && !/^[A-Z]/.test(modifier)) allowed(def, modifier, []);
      if (modifier !== undefined && def.target.length > 0 && !def.target.includes(modifier)) {
        throw badRequest(`${def.code}:${modifier}: ${modifier} is not a target of ${def.code}`, def.code);
      }
      return referencePredicate(def, value, { baseUrl, ...(modifier ? { type: modifier } : {}) });
    case 'uri':
      allowed(def, modifier, ['below', 'above']);
      return uriPredicate(def, value, modifier as UriModifier);
    case 'date': {
      allowed(def, modifier, []);
      const [prefix, rest] = splitPrefix(def, value);
      return datePredicate(def, prefix, rest);
    }
    case 'number': {
      allowed(def, modifier, []);
      const [prefix, rest] = splitPrefix(def, value);
      return numberPredicate(def, prefix, rest);
    }
    case 'quantity': {
      allowed(def, modifier, []);
      const [prefix, rest] = splitPrefix(def, value);
      return quantityPredicate(def, prefix, rest);
    }
    case 'composite':
      allowed(def, modifier, []);
      return compositePredicate(def, value);
    case 'special':
      return specialPredicate(def);
  }
}

/** OR of predicates: the filters are OR-ed; when one needs an exact test, the others' are evaluated too. */
export function anyOf(
  preds: Predicate[],
  matches: (filter: Record<string, unknown>) => (doc: object) => boolean,
): Predicate {
  if (preds.length === 1 && preds[0]) return preds[0];
  const filter = { $or: preds.map((p) => p.filter) };
  if (!preds.some((p) => p.test)) return { filter };
  const tests = preds.map((p) => p.test ?? matches(p.filter));
  return { filter, test: (doc) => tests.some((t) => t(doc)) };
}

/** AND of predicates: every exact test must hold. */
export function allOf(preds: Predicate[]): Predicate {
  if (preds.length === 1 && preds[0]) return preds[0];
  const tests = preds.flatMap((p) => (p.test ? [p.test] : []));
  return {
    filter: preds.length === 0 ? {} : { $and: preds.map((p) => p.filter) },
    ...(tests.length ? { test: (doc) => tests.every((t) => t(doc)) } : {}),
  };
}
