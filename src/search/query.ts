// Turns the parsed filters into database predicates for one resource type, running the sub-searches of
// chains and `_has` (search.html#chaining, #has) as separate `$in` queries, each through the access hook.
import { fail } from '../fhir/outcome';
import { matcherOf } from './matcher';
import { allOf, anyOf, valuePredicate } from './predicate';
import { searchParameterRegistry } from './registry';
import type { Filter } from './request';
import type { SearchHooks, SearchStore, StoredRow } from './store';
import type { Predicate } from './types/common';
import { referenceInPredicate, referenceTargets } from './types/reference';
import type { SearchParamDef } from './registry';
import { tokenNoneOf } from './types/token';

export interface QueryContext {
  store: SearchStore;
  hooks: SearchHooks;
  baseUrl: string;
}

const NOTHING: Predicate = { filter: { _id: { $in: [] } } };
const DEFAULT_CHAIN_LIMIT = 10000;

/** The filter of a query on one type: live resources of that type, the predicate, then the access hook. */
export function typeFilter(ctx: QueryContext, type: string, filter: Record<string, unknown>): object {
  const base = { type, deleted: false, ...(Object.keys(filter).length ? { $and: [filter] } : {}) };
  return ctx.hooks.constrain ? ctx.hooks.constrain(type, base) : base;
}

/** Every resource of `type` matching `pred` (ids only, with the exact test), bounded by the chain limit. */
async function matchingRows(
  ctx: QueryContext,
  type: string,
  pred: Predicate,
  needIdx: boolean,
): Promise<StoredRow[]> {
  const limit = ctx.hooks.maxChainResults ?? DEFAULT_CHAIN_LIMIT;
  const rows = await ctx.store.find(typeFilter(ctx, type, pred.filter), {
    limit: limit + 1,
    projection: needIdx || pred.test ? { _id: 1, id: 1, idx: 1 } : { _id: 1, id: 1 },
  });
  if (rows.length > limit) {
    throw fail(
      400,
      'too-costly',
      `A chained or _has search on ${type} matches more than ${limit} resources; narrow it`,
    );
  }
  return pred.test ? rows.filter((r) => pred.test?.(r)) : rows;
}

/** `pred` on the `candidates` alone (a superset of its matches read by `_id`), when there are any. */
function narrowed(pred: Predicate, candidates: string[] | undefined): Predicate {
  if (!candidates) return pred;
  return candidates.length === 0 ? NOTHING : allOf([pred, { filter: { _id: { $in: candidates } } }]);
}

/**
 * `system` and `value` of `identifier=system|value` (one value, no escapes) on a type whose `identifier` parameter
 * is its `identifier` element: the form the identifier slots answer (storage/identifiers.ts).
 */
export function slotIdentifier(
  type: string,
  code: string,
  value: string,
): { system: string; value: string } | undefined {
  if (code !== 'identifier') return undefined;
  const m = /^([^|,\\$]+)\|([^|,\\$]+)$/.exec(value);
  const def = searchParameterRegistry().get(type, 'identifier');
  if (!m || def?.type !== 'token' || def.expression !== `${type}.identifier`) return undefined;
  return { system: m[1]!, value: m[2]! };
}

/**
 * For `identifier=system|value[,system|value]` on a type whose `identifier` parameter is its `identifier` element:
 * the resources that have carried one of them (store.identifierCandidates), a superset of the matches. The search's
 * own predicate still decides; this only spares reading every other resource. Undefined when it does not apply.
 */
async function identifierCandidates(
  ctx: QueryContext,
  type: string,
  f: Extract<Filter, { kind: 'param' }>,
): Promise<string[] | undefined> {
  const { store } = ctx;
  if (!store.identifierCandidates || f.modifier !== undefined) return undefined;
  const pairs = f.values.map((v) => slotIdentifier(type, f.code, v));
  if (pairs.some((p) => !p)) return undefined; // a value without its system, or escaped: every resource is a candidate
  const found = await Promise.all(pairs.map((p) => store.identifierCandidates!(type, p!.system, p!.value)));
  return [...new Set(found.flat())];
}

/**
 * For a reference parameter without modifier whose every value names local `Type/id`s: the resources that have
 * pointed to one of them (store.referenceCandidates), a superset of the matches. Undefined when it does not apply.
 */
async function referenceCandidates(
  ctx: QueryContext,
  type: string,
  f: Extract<Filter, { kind: 'param' }>,
  def: SearchParamDef,
): Promise<string[] | undefined> {
  if (f.modifier !== undefined) return undefined;
  const targets = f.values.flatMap((v) => referenceTargets(def, v, { baseUrl: ctx.baseUrl }));
  return pointingTo(ctx, type, f.code, targets);
}

/** A chain's links beyond this many targets read every resource of the type instead of the postings. */
const MAX_POSTING_TARGETS = 100;

/** The resources of `type` whose `code` has pointed to one of `targets`, from the postings; undefined: cannot tell. */
async function pointingTo(
  ctx: QueryContext,
  type: string,
  code: string,
  targets: string[],
): Promise<string[] | undefined> {
  const { store } = ctx;
  if (!store.referenceCandidates || targets.length > MAX_POSTING_TARGETS) return undefined;
  const found = await Promise.all(targets.map((t) => store.referenceCandidates!(type, code, t)));
  if (found.some((ids) => ids === undefined)) return undefined; // a URL or canonical: no postings to read
  return [...new Set(found.flatMap((ids) => ids ?? []))];
}

export async function filterPredicate(ctx: QueryContext, type: string, f: Filter): Promise<Predicate> {
  const registry = searchParameterRegistry();
  switch (f.kind) {
    case 'param': {
      const def = registry.get(type, f.code);
      if (!def) return NOTHING;
      if (f.code === '_id' && f.modifier === undefined)
        return { filter: { id: { $in: f.values }, _id: { $in: f.values.map((v) => `${type}/${v}`) } } };
      if (def.type === 'token' && (f.modifier === 'not' || f.modifier === 'not-in'))
        return tokenNoneOf(def, f.values, f.modifier);
      const pred = anyOf(
        f.values.map((v) => valuePredicate(def, f.modifier, v, ctx.baseUrl)),
        matcherOf,
      );
      const candidates =
        def.type === 'reference'
          ? await referenceCandidates(ctx, type, f, def)
          : await identifierCandidates(ctx, type, f);
      return narrowed(pred, candidates);
    }
    case 'chain': {
      const def = registry.get(type, f.code);
      if (!def || def.type !== 'reference') return NOTHING;
      const targets = f.targetType ? [f.targetType] : def.target;
      const ids: string[] = [];
      for (const t of targets) {
        const sub = await filterPredicate(ctx, t, f.next);
        if (sub === NOTHING) continue;
        for (const row of await matchingRows(ctx, t, sub, false)) ids.push(row._id);
      }
      if (!ids.length) return NOTHING;
      const pred = referenceInPredicate(def, ids);
      const candidates = await pointingTo(ctx, type, def.code, ids);
      return narrowed(pred, candidates);
    }
    case 'has': {
      const sub = await filterPredicate(ctx, f.type, f.next);
      const head = `${f.reference}|${type}/`;
      const ids = new Set<string>();
      for (const row of await matchingRows(ctx, f.type, sub, true)) {
        for (const e of row.idx?.k ?? []) if (e.startsWith(head)) ids.add(e.slice(head.length));
      }
      return ids.size ? { filter: { id: { $in: [...ids] } } } : NOTHING;
    }
  }
}

/** The AND of every filter for one type. */
export async function requestPredicate(
  ctx: QueryContext,
  type: string,
  filters: Filter[],
): Promise<Predicate> {
  const preds: Predicate[] = [];
  for (const f of filters) preds.push(await filterPredicate(ctx, type, f));
  return allOf(preds);
}
