// Parses search parameters (search.html) once into a typed SearchRequest; every malformed value is a 400
// naming the parameter, unknown parameters are ignored unless handling is strict (search.html#errors).
import { badRequest, type OperationOutcomeError } from '../fhir/outcome';
import { concreteResourceTypes } from '../fhir/definitions';
import { searchParameterRegistry, type SearchParamDef } from './registry';
import type {
  Filter,
  IncludeParam,
  ParseOptions,
  SearchRequest,
  SortKey,
  SummaryMode,
  TotalMode,
} from './request';
import { splitUnescaped } from './escape';
import { valuePredicate } from './predicate';
import { SORTABLE } from './types/index';
import { checkParameterCount, checkValues } from './limits';

/** Result parameters: they shape the answer and select no resource. */
export const RESULT_PARAMETERS: ReadonlySet<string> = new Set([
  '_sort',
  '_count',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_cursor',
  '_type',
]);
/** Parameters of the HTTP exchange, not of the search. */
export const TRANSPORT_PARAMETERS: ReadonlySet<string> = new Set(['_format', '_pretty']);
const MODIFIERS = new Set([
  'missing',
  'exact',
  'contains',
  'text',
  'not',
  'of-type',
  'in',
  'not-in',
  'below',
  'above',
  'identifier',
]);

/** Splits an OR list at unescaped commas; `\,` becomes `,`, other escapes stay for the type modules. */
export function splitOr(value: string): string[] {
  return splitUnescaped(value, ',').map((part) => part.replace(/\\,/g, ','));
}

class Unknown extends Error {}

function defFor(types: string[], code: string): SearchParamDef | undefined {
  const reg = searchParameterRegistry();
  let found: SearchParamDef | undefined;
  for (const t of types) {
    const d = reg.get(t, code);
    if (!d) return undefined;
    found ??= d;
  }
  return found;
}

function referenceTargets(types: string[], code: string, targetType: string | undefined): string[] {
  const def = defFor(types, code);
  if (!def || def.type !== 'reference') throw new Unknown(`${code} is not a reference parameter`);
  if (targetType) {
    if (def.target.length > 0 && !def.target.includes(targetType)) {
      throw badRequest(`${code}:${targetType}: ${targetType} is not a target of ${code}`, code);
    }
    return [targetType];
  }
  return def.target;
}

/**
 * Parses `name` (everything left of `=`) with its value for `types`; `depth` counts chain links, `whole` is the
 * parameter as the client wrote it (errors name it).
 */
function parseFilter(
  types: string[],
  name: string,
  value: string,
  opts: ParseOptions,
  depth: number,
  whole = name,
): Filter {
  const maxDepth = opts.maxChainDepth ?? 3;
  if (name.startsWith('_has:')) {
    const [, type, reference, ...rest] = name.split(':');
    if (!type || !reference || rest.length === 0)
      throw badRequest(`${name}: expected _has:Type:reference:parameter`, name);
    if (!concreteResourceTypes().has(type)) throw badRequest(`${name}: unknown resource type ${type}`, name);
    if (depth >= maxDepth) throw badRequest(`${whole}: more than ${maxDepth} chained links`, whole);
    const ref = searchParameterRegistry().get(type, reference);
    if (!ref || ref.type !== 'reference')
      throw new Unknown(`${type} has no reference parameter ${reference}`);
    return {
      kind: 'has',
      type,
      reference,
      next: parseFilter([type], rest.join(':'), value, opts, depth + 1, whole),
    };
  }
  const dot = name.indexOf('.');
  if (dot > 0) {
    const [code = '', targetType] = name.slice(0, dot).split(':');
    if (depth >= maxDepth) throw badRequest(`${whole}: more than ${maxDepth} chained links`, whole);
    const targets = referenceTargets(types, code, targetType);
    const rest = name.slice(dot + 1);
    // The chained parameter must exist on one target at least.
    const usable = targets.filter(
      (t) => searchParameterRegistry().get(t, rest.split(/[.:]/)[0] ?? '') || rest.startsWith('_has:'),
    );
    if (usable.length === 0) throw new Unknown(`no target of ${code} has a parameter ${rest}`);
    return {
      kind: 'chain',
      code,
      ...(targetType ? { targetType } : {}),
      next: parseFilter(usable, rest, value, opts, depth + 1, whole),
    };
  }
  const [code = '', modifier, ...extra] = name.split(':');
  if (extra.length) throw badRequest(`${name}: too many modifiers`, name);
  const def = defFor(types, code);
  if (!def) throw new Unknown(`unknown search parameter ${code}`);
  if (modifier !== undefined && !MODIFIERS.has(modifier)) {
    const isType = def.type === 'reference' && concreteResourceTypes().has(modifier);
    if (!isType) throw badRequest(`${name}: unknown modifier :${modifier}`, name);
  }
  const values = splitOr(value);
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false')
      throw badRequest(`${name}: :missing takes true or false`, name);
  } else {
    // Every value is built once here so that a malformed one is reported now, naming the parameter.
    for (const v of values) valuePredicate(def, modifier, v, opts.baseUrl);
  }
  return { kind: 'param', code, ...(modifier !== undefined ? { modifier } : {}), values };
}

function parseInclude(value: string, iterate: boolean, name: string): IncludeParam {
  if (value === '*') return { iterate, sourceType: '*', code: '*' };
  const [sourceType, code, targetType, ...extra] = value.split(':');
  if (!sourceType || !code || extra.length || !concreteResourceTypes().has(sourceType)) {
    throw badRequest(`${name}: expected SourceType:parameter[:TargetType] or *`, name);
  }
  if (code !== '*') {
    const def = searchParameterRegistry().get(sourceType, code);
    if (!def || def.type !== 'reference')
      throw badRequest(`${name}: ${sourceType} has no reference parameter ${code}`, name);
  }
  return { iterate, sourceType, code, ...(targetType ? { targetType } : {}) };
}

function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`${name}: '${value}' is not a non-negative integer`, name);
  return Number(value);
}

export function parseSearch(
  typeOrTypes: string[] | string,
  params: Array<[string, string]>,
  opts: ParseOptions,
): SearchRequest {
  checkParameterCount(params.length, opts);
  const system = !(typeof typeOrTypes === 'string' || typeOrTypes.length === 1);
  let types = typeof typeOrTypes === 'string' ? [typeOrTypes] : typeOrTypes;
  const typeParam = params.find(([n]) => n === '_type');
  if (typeParam) {
    const wanted = typeParam[1].split(',').filter((t) => t !== '');
    for (const t of wanted)
      if (!concreteResourceTypes().has(t)) throw badRequest(`_type: unknown resource type ${t}`, '_type');
    types = types.length === 0 ? wanted : types.filter((t) => wanted.includes(t));
  }
  if (types.length === 0) types = [...concreteResourceTypes()];
  const req: SearchRequest = {
    types,
    system,
    filters: [],
    sort: [],
    count: opts.defaultCount,
    total: 'none',
    include: [],
    revinclude: [],
    baseUrl: opts.baseUrl,
    ignored: [],
  };
  for (const [name, value] of params) {
    const base = name.split(':')[0] ?? name;
    // Every list (OR values, _include, _sort, _elements) is bounded before any other work; a cursor is our own.
    if (name !== '_cursor') checkValues(name, splitOr(value), opts);
    try {
      if (RESULT_PARAMETERS.has(base) || TRANSPORT_PARAMETERS.has(base)) resultParam(req, name, value, opts);
      else req.filters.push(parseFilter(types, name, value, opts, 0));
    } catch (e) {
      if (!(e instanceof Unknown)) throw e as OperationOutcomeError;
      if (opts.strict) throw badRequest(`${name}: ${e.message}`, name);
      req.ignored.push(name);
    }
  }
  return req;
}

function resultParam(req: SearchRequest, name: string, value: string, opts: ParseOptions): void {
  switch (name.split(':')[0]) {
    case '_count':
      req.count = Math.min(integer(name, value), opts.maxCount);
      return;
    case '_total':
      if (!['none', 'estimate', 'accurate'].includes(value))
        throw badRequest(`_total: '${value}' is not none, estimate or accurate`, '_total');
      req.total = value as TotalMode;
      return;
    case '_summary':
      if (!['true', 'text', 'data', 'count', 'false'].includes(value))
        throw badRequest(`_summary: unknown value '${value}'`, '_summary');
      req.summary = value as SummaryMode;
      return;
    case '_elements':
      req.elements = value
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      return;
    case '_sort':
      req.sort = value
        .split(',')
        .filter((s) => s !== '')
        .map((s) => sortKey(req.types, s));
      return;
    case '_include':
    case '_revinclude': {
      const [base, mod] = name.split(':');
      if (mod !== undefined && mod !== 'iterate' && mod !== 'recurse')
        throw badRequest(`${name}: unknown modifier`, name);
      const list = base === '_include' ? req.include : req.revinclude;
      list.push(parseInclude(value, mod !== undefined, name));
      return;
    }
    case '_cursor':
      req.cursor = value;
      return;
    default:
      return; // _type is read first; _format and _pretty belong to the HTTP layer
  }
}

function sortKey(types: string[], text: string): SortKey {
  const descending = text.startsWith('-');
  const code = descending ? text.slice(1) : text;
  if (code !== '_id') {
    const def = defFor(types, code);
    if (!def) throw new Unknown(`unknown sort parameter ${code}`);
    if (!SORTABLE.has(def.type))
      throw badRequest(`_sort: ${code} is a ${def.type} parameter and cannot be sorted on`, '_sort');
  }
  return { code, descending };
}
