// Turns the parsed filters into database predicates for one resource type, running the sub-searches of
// chains and `_has` (search.html#chaining, #has) as separate `$in` queries, each through the access hook. Each
// query reads only the candidates the ordered index names (candidates.ts) when it names them.
import { fail } from '../fhir/outcome';
import { matcherOf } from './matcher';
import { allOf, anyOf, valuePredicate } from './predicate';
import { searchParameterRegistry } from './registry';
import type { Filter } from './request';
import type { SearchHooks, SearchStore, StoredRow } from './store';
import type { Predicate } from './types/common';
import { referenceInPredicate } from './types/reference';
import { tokenNoneOf } from './types/token';
import { planCandidates } from './candidates';
import { keyPlan, type KeyPlan } from './key-plan';

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
  const rows = await ctx.store.find(typeFilter(ctx, type, await narrowedByKeys(ctx, type, pred.filter)), {
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

/**
 * What the ordered index says of `filter` on `type` (candidates.ts): its key plan; the candidates, `Type/id`s in `_id`
 * order and a superset of the matches, unless the index cannot narrow the search (every resource of the type is then
 * a candidate); and `filter` on those candidates alone, so that the database reads only their views.
 */
export async function keyCandidates(
  ctx: QueryContext,
  type: string,
  filter: Record<string, unknown>,
): Promise<{ plan: KeyPlan; candidates?: string[]; filter: Record<string, unknown> }> {
  const plan = keyPlan(type, filter);
  const candidates = await planCandidates(ctx.store, type, plan);
  if (candidates === undefined) return { plan, filter };
  return { plan, candidates, filter: { $and: [filter, { _id: { $in: candidates } }] } };
}

/** `filter` on its candidates alone, when the index names them (see keyCandidates). */
export async function narrowedByKeys(
  ctx: QueryContext,
  type: string,
  filter: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return (await keyCandidates(ctx, type, filter)).filter;
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
      return anyOf(
        f.values.map((v) => valuePredicate(def, f.modifier, v, ctx.baseUrl)),
        matcherOf,
      );
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
      return ids.length ? referenceInPredicate(def, ids) : NOTHING;
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
