// Conditional interactions (http.html#ccreate, #cond-update, #cdelete, #patch): a search decides the target by the
// spec's 0 / 1 / many rules. Conditional create and update on `identifier=system|value` are race-free
// (storage/locks.ts).
import { executeSearch, RESULT_PARAMETERS, TRANSPORT_PARAMETERS } from '../search';
import { badRequest, notFound, preconditionFailed } from '../fhir/outcome';
import { parse, searchHooks } from './search';
import type { ServerContext } from './types';

/** What selects no resource, so has no place in a condition: the result parameters and contained-resource search. */
const NOT_CRITERIA = new Set([...RESULT_PARAMETERS, '_contained', '_containedType']);

/**
 * Ids of the resources of `type` that match a conditional query (at most `limit`). Every criterion is applied
 * (chains, `_has`, `_source`, ...); one that cannot be applied is a 400, never a wider match.
 */
export async function matchIds(
  ctx: ServerContext,
  type: string,
  query: string,
  limit = 2,
): Promise<string[]> {
  const params = [...new URLSearchParams(query).entries()].filter(([k]) => !TRANSPORT_PARAMETERS.has(k));
  for (const [k] of params) {
    const base = k.split(':')[0] ?? k;
    if (NOT_CRITERIA.has(base))
      throw badRequest(`The condition "${query}" uses ${k}, which selects no resources`, k);
  }
  if (params.length === 0) throw badRequest(`The condition "${query}" has no search parameter`);
  // Strict: an unknown parameter must fail, never widen the match.
  const sreq = parse(ctx, type, [...params, ['_count', String(limit)]], true);
  const result = await executeSearch(ctx.search.store, sreq, searchHooks(ctx));
  return result.matches.map((m) => m.id);
}

/** The single match of a condition, undefined for none; 412 for several. */
export async function singleMatch(
  ctx: ServerContext,
  type: string,
  query: string,
  what: string,
): Promise<string | undefined> {
  const ids = await matchIds(ctx, type, query);
  if (ids.length > 1)
    throw preconditionFailed(`${what}: the condition "${query}" matches more than one ${type}`);
  return ids[0];
}

export type CreateDecision = { existing: string } | { create: string; key?: string };

/** A conditional create's or update's condition on `type`, and the id it would create. */
export interface Conditional {
  type: string;
  condition: string;
  what: ConditionalKind;
  newId: string;
}

export type ConditionalKind = 'If-None-Exist' | 'Conditional update';

/**
 * The target of a conditional create (If-None-Exist) or conditional update: its single match, or `newId` to create.
 * When the condition is exactly one identifier, the key is claimed first, so that concurrent requests make one
 * resource: a loser takes the winner's as its match (an update then writes a version on top of it).
 */
export async function decideTarget(
  ctx: ServerContext,
  type: string,
  condition: string,
  what: ConditionalKind,
  /** For an update, the body's id when it has one (update as create). */
  newId: string,
): Promise<CreateDecision> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const looked = await lookUpTarget(ctx, { type, condition, what, newId });
    if ('existing' in looked || looked.key === undefined) return looked;
    const key = looked.key;
    const c = await ctx.repo.claim(key, `${type}/${newId}`);
    if (c.won) return { create: newId, key };
    const again = await singleMatch(ctx, type, condition, what);
    if (again !== undefined) return { existing: again };
    await ctx.repo.release(key, c.target); // the holder no longer carries this identifier
  }
  throw notFound(`${what} "${condition}" could not be settled; try again`);
}

/**
 * One look for the match of a condition, claiming nothing: the match, or `newId` with the identifier key that
 * decideTarget would claim for it (a transaction claims its keys together, in order: transaction.ts).
 */
export async function lookUpTarget(ctx: ServerContext, c: Conditional): Promise<CreateDecision> {
  const found = await singleMatch(ctx, c.type, c.condition, c.what);
  if (found !== undefined) return { existing: found };
  const key = identifierKey(c.type, c.condition);
  return key === undefined ? { create: c.newId } : { create: c.newId, key };
}

/** `Patient|identifier|system|value` for a condition that is exactly `identifier=system|value`. */
function identifierKey(type: string, query: string): string | undefined {
  const params = [...new URLSearchParams(query).entries()];
  if (params.length !== 1) return undefined;
  const [name, value] = params[0]!;
  if (name !== 'identifier' || !/^[^|,]+\|[^|,]+$/.test(value)) return undefined;
  return `${type}|identifier|${value}`;
}
