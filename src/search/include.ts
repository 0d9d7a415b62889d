// `_include` and `_revinclude` (search.html#include), with `:iterate` and `*`: the references are read from
// the stored index entries of the page, then fetched with batched `$in` queries through the access hook.
import { narrowedByKeys, type QueryContext, typeFilter } from './query';
import { searchParameterRegistry } from './registry';
import type { IncludeParam, SearchRequest } from './request';
import type { Entry, StoredRow } from './store';

const CHUNK = 500;
/** Rows whose referencing resources one `_revinclude` query asks for. */
const ROW_CHUNK = 100;
const DEFAULT_MAX_INCLUDES = 1000;
const DEFAULT_ITERATIONS = 4;
const PROJECTION = { _id: 1, type: 1, id: 1, json: 1, idx: 1 } as const;

function referenceCodes(type: string, inc: IncludeParam): string[] {
  if (inc.sourceType !== '*' && inc.sourceType !== type) return [];
  const defs = searchParameterRegistry()
    .byType(type)
    .filter((d) => d.type === 'reference');
  return inc.code === '*'
    ? defs.map((d) => d.code)
    : defs.filter((d) => d.code === inc.code).map((d) => d.code);
}

/** `Type/id` targets of the `_include`s found in the rows' index entries. */
function forwardTargets(rows: StoredRow[], incs: IncludeParam[]): Set<string> {
  const out = new Set<string>();
  for (const row of rows) {
    for (const inc of incs) {
      for (const code of referenceCodes(row.type, inc)) {
        const head = `${code}|`;
        for (const e of row.idx?.k ?? []) {
          if (!e.startsWith(head)) continue;
          const ref = e.slice(head.length);
          const m = /^([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}$/.exec(ref);
          if (m && (!inc.targetType || m[1] === inc.targetType)) out.add(ref);
        }
      }
    }
  }
  return out;
}

/** Includes still wanted on the page: every query below asks for no more, so `*` and `:iterate` fan out no further. */
interface Budget {
  left: number;
}

async function fetchByIds(ctx: QueryContext, all: string[], budget: Budget): Promise<StoredRow[]> {
  const ids = all.slice(0, Math.max(budget.left, 0));
  const byType = new Map<string, string[]>();
  for (const id of ids) {
    const type = id.slice(0, id.indexOf('/'));
    byType.set(type, [...(byType.get(type) ?? []), id]);
  }
  const out: StoredRow[] = [];
  for (const [type, list] of byType) {
    for (let i = 0; i < list.length && budget.left > 0; i += CHUNK) {
      const filter = typeFilter(ctx, type, { _id: { $in: list.slice(i, i + CHUNK) } });
      const rows = await ctx.store.find(filter, { projection: PROJECTION, limit: budget.left });
      budget.left -= rows.length;
      out.push(...rows);
    }
  }
  return out;
}

/** Reference parameters of `source` that can point to a resource of `target` (an untargeted one can). */
function codesTo(source: string, inc: IncludeParam, target: string): string[] {
  return searchParameterRegistry()
    .byType(source)
    .filter(
      (d) =>
        d.type === 'reference' &&
        (inc.code === '*' || d.code === inc.code) &&
        (d.target.length === 0 || d.target.includes(target)),
    )
    .map((d) => d.code);
}

/**
 * Resources that reference the rows. `_revinclude=*` asks every source type that has a reference parameter to
 * the rows' types: one query per chunk of rows, an `$or` of one branch per source type, each branch through
 * the access hook (which constrains by type, so there is no query without a type).
 */
async function reverse(
  ctx: QueryContext,
  rows: StoredRow[],
  incs: IncludeParam[],
  budget: Budget,
): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  for (const inc of incs) {
    const sources = inc.sourceType === '*' ? searchParameterRegistry().types() : [inc.sourceType];
    const targets = rows.filter((r) => !inc.targetType || r.type === inc.targetType);
    for (let i = 0; i < targets.length && budget.left > 0; i += ROW_CHUNK) {
      const chunk = targets.slice(i, i + ROW_CHUNK);
      const branches: object[] = [];
      for (const source of sources) {
        const keys = chunk.flatMap((r) => codesTo(source, inc, r.type).map((c) => `${c}|${r._id}`));
        if (keys.length)
          branches.push(
            typeFilter(ctx, source, await narrowedByKeys(ctx, source, { 'idx.k': { $in: keys } })),
          );
      }
      if (branches.length === 0) continue;
      const filter = branches.length === 1 ? (branches[0] ?? {}) : { $or: branches };
      const found = await ctx.store.find(filter, { projection: PROJECTION, limit: budget.left });
      budget.left -= found.length;
      out.push(...found);
    }
  }
  return out;
}

export async function includes(
  ctx: QueryContext,
  req: SearchRequest,
  matches: StoredRow[],
): Promise<Entry[]> {
  const max = ctx.hooks.maxIncludes ?? DEFAULT_MAX_INCLUDES;
  const seen = new Set(matches.map((r) => r._id));
  const found: StoredRow[] = [];
  const add = (rows: StoredRow[]): StoredRow[] => {
    const fresh = rows.filter((r) => !seen.has(r._id));
    for (const r of fresh) seen.add(r._id);
    found.push(...fresh);
    return fresh;
  };
  let frontier = matches;
  const rounds = ctx.hooks.maxIncludeIterations ?? DEFAULT_ITERATIONS;
  for (let round = 0; round < rounds && frontier.length > 0 && found.length < max; round++) {
    const inc = req.include.filter((i) => round === 0 || i.iterate);
    const rev = req.revinclude.filter((i) => round === 0 || i.iterate);
    if (inc.length === 0 && rev.length === 0) break;
    const targets = [...forwardTargets(frontier, inc)].filter((id) => !seen.has(id));
    // Rows already on the page may come back (a revinclude of a match's own target); they are not counted twice,
    // but they use up the budget of the round: the work stays bounded by `max` queries' worth of rows.
    const budget = { left: max - found.length };
    const forward = add(await fetchByIds(ctx, targets, budget));
    const fresh = [...forward, ...add(await reverse(ctx, frontier, rev, budget))];
    frontier = fresh;
  }
  return found.slice(0, max).map((r) => ({ type: r.type, id: r.id, json: r.json }));
}
