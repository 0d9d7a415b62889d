// The candidates of a search from the ordered index (keys.ts, key-plan.ts): the resources that hold a key in every
// source of the plan that is narrow enough to list. Sources are read side by side with a small limit that doubles,
// so a narrow source is found after reading about as many keys as it has, and a wide one costs no more than that.
import { keyTarget } from './keys';
import type { KeyPlan, KeySource } from './key-plan';
import type { SearchStore } from './store';

/** Keys read from one source before it counts as too wide to list (a scan of the views is then cheaper). */
export const MAX_CANDIDATE_KEYS = 8192;
/** A source of more ranges than this (a chain to many targets) is not read: one query per range. */
const MAX_RANGES = 64;
const FIRST_LIMIT = 256;
const KEYS_PER_CANDIDATE = 16;

/** `Type/id` of every resource a source names, or undefined when it has more than `limit` keys. */
async function readSource(
  store: SearchStore,
  type: string,
  source: KeySource,
  limit: number,
): Promise<Set<string> | undefined> {
  const out = new Set(source.ids);
  let read = 0;
  for (const range of source.ranges) {
    const keys = await store.readKeys!(range, limit - read + 1);
    read += keys.length;
    if (read > limit) return undefined;
    for (const k of keys) out.add(`${type}/${keyTarget(k).id}`);
  }
  return out;
}

/**
 * `Type/id` of the candidates of `plan` on `type` (a superset of the matches), in `_id` order; undefined when no
 * source is narrow enough to list (every resource of the type is then a candidate).
 */
export async function planCandidates(
  store: SearchStore,
  type: string,
  plan: KeyPlan,
  maxKeys = MAX_CANDIDATE_KEYS,
): Promise<string[] | undefined> {
  let open = plan.filter((s) => s.ranges.length <= MAX_RANGES);
  if (open.length === 0 || !store.readKeys) return undefined;
  const narrow: Array<Set<string>> = [];
  // Reading a key costs far less than deciding on a candidate's view: a wider source is still read while it may
  // shrink the candidates, up to KEYS_PER_CANDIDATE keys for each candidate it could remove.
  let bound = maxKeys;
  for (let limit = FIRST_LIMIT; open.length > 0; limit *= 4) {
    const at = Math.min(limit, bound);
    const read = await Promise.all(open.map((s) => readSource(store, type, s, at)));
    narrow.push(...read.filter((r): r is Set<string> => r !== undefined));
    open = open.filter((_, i) => read[i] === undefined);
    if (narrow.length > 0)
      bound = Math.min(maxKeys, KEYS_PER_CANDIDATE * Math.min(...narrow.map((n) => n.size)));
    if (at >= bound) break;
  }
  if (narrow.length === 0) return undefined;
  narrow.sort((a, b) => a.size - b.size);
  const [smallest, ...rest] = narrow;
  return [...smallest!].filter((id) => rest.every((s) => s.has(id))).sort();
}
