// Index extraction at write time (search.html, "index at write"): every SearchParameter of the resource's
// type is evaluated once and turned into the stored `idx` entries and `sort` keys.
import type { Resource } from 'fhir/r4';
import { encodeCode } from './encode';
import { compileExpression, type Evaluator } from './paths';
import { searchParameterRegistry, type SearchParamDef, type SearchParameterRegistry } from './registry';
import { type ExtractContext, type Extractor, IndexSink, type StoredIdx } from './types/common';
import { extractors, SORTABLE } from './types/index';
import { checkLengths, MAX_INDEXED_STRING_LENGTH } from './indexed-length';

export interface SearchIndex {
  idx: StoredIdx & Record<string, string[]>;
  sort: Record<string, string | true>;
}

/**
 * The `sort` fields of a parameter (database.md rule 4: scalar sort keys). A resource with a value has
 * `?code: true`, `code` (its smallest value) and `-code` (its largest); one without has none of them.
 * Ascending sorts on `?code` descending first, so resources lacking the value come last in both directions.
 */
export function sortFields(code: string, descending: boolean): Array<[string, 1 | -1]> {
  const c = encodeCode(code);
  return descending
    ? [[`sort.-${c}`, -1]]
    : [
        [`sort.?${c}`, -1],
        [`sort.${c}`, 1],
      ];
}

interface TypePlan {
  params: Array<{ def: SearchParamDef; evaluate: Evaluator; extract: Extractor }>;
  /** [code, flag key, ascending key, descending key] of every sortable parameter. */
  sortable: Array<[string, string, string, string]>;
}

const plans = new WeakMap<SearchParameterRegistry, Map<string, TypePlan>>();

/** The compiled parameters of one type, built once per registry. */
function typePlan(registry: SearchParameterRegistry, type: string): TypePlan {
  let perType = plans.get(registry);
  if (!perType) plans.set(registry, (perType = new Map<string, TypePlan>()));
  let plan = perType.get(type);
  if (plan) return plan;
  plan = { params: [], sortable: [] };
  for (const def of registry.byType(type)) {
    if (SORTABLE.has(def.type))
      plan.sortable.push([
        def.code,
        `?${encodeCode(def.code)}`,
        encodeCode(def.code),
        `-${encodeCode(def.code)}`,
      ]);
    if (def.type === 'special') continue;
    plan.params.push({
      def,
      evaluate: compileExpression(def.expression, type).evaluate,
      extract: extractors[def.type],
    });
  }
  perType.set(type, plan);
  return plan;
}

export function indexResource(
  resource: Resource,
  ctx: ExtractContext = {},
  registry: SearchParameterRegistry = searchParameterRegistry(),
): SearchIndex {
  const sink = new IndexSink();
  const plan = typePlan(registry, resource.resourceType);
  for (const { def, evaluate, extract } of plan.params) {
    const values = evaluate(resource);
    if (values.length > 0) extract(def, values, sink, ctx);
  }
  checkLengths(resource, sink, ctx.maxStringLength ?? MAX_INDEXED_STRING_LENGTH);
  const idx: SearchIndex['idx'] = {};
  if (sink.k.size) idx.k = [...sink.k];
  if (sink.r.size) idx.r = [...sink.r];
  if (sink.rh.size) idx.rh = [...sink.rh];
  if (sink.p.size) idx.p = [...sink.p];
  const sort: Record<string, string | true> = {};
  for (const [code, flag, asc, desc] of plan.sortable) {
    const min = sink.sortMin.get(code);
    if (min === undefined) continue;
    sort[flag] = true;
    sort[asc] = min;
    sort[desc] = sink.sortMax.get(code) ?? min;
  }
  return { idx, sort };
}
