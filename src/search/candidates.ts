// The candidates of a search from the ordered index (keys.ts, key-plan.ts): the resources that hold a key in every
// source of the plan that is narrow enough to list. Sources are read side by side, each round up to a limit four
// times the last, each from where it stopped, so a narrow source is found after reading about as many keys as it
// has, and a wide one costs no more than that.
import { keyTarget, type KeyRange } from './keys';
import type { KeyPlan, KeySource } from './key-plan';
import type { SearchStore } from './store';

/** Keys read from one source before it counts as too wide to list (a scan of the views is then cheaper). */
export const MAX_CANDIDATE_KEYS = 8192;
/** A source of more ranges than this (a chain to many targets) is not read: one query per range. */
const MAX_RANGES = 64;
const FIRST_LIMIT = 32;
/**
 * Keys worth reading per candidate a wider source might remove: deciding a candidate reads its view, which costs the
 * embedded database about thirty times a key (about 600 against 20 microseconds on the benchmark machine).
 */
const KEYS_PER_CANDIDATE = 16;

/** One source read in rounds: the resources named so far, and where each of its ranges goes on. */
class SourceRead {
  readonly ids: Set<string>;
  private read = 0;
  private readonly ranges: KeyRange[];

  constructor(
    private readonly store: SearchStore,
    private readonly type: string,
    source: KeySource,
  ) {
    this.ids = new Set(source.ids);
    this.ranges = [...source.ranges];
  }

  /** Reads on until `limit` keys in all; true when the source ended within them (it is narrow). */
  async upTo(limit: number): Promise<boolean> {
    while (this.ranges.length > 0) {
      const want = limit + 1 - this.read;
      if (want <= 0) return false;
      const range = this.ranges[0]!;
      const keys = await this.store.readKeys!(range, want);
      this.read += keys.length;
      for (const k of keys) this.ids.add(`${this.type}/${keyTarget(k).id}`);
      if (keys.length < want) this.ranges.shift();
      else
        this.ranges[0] = { $gt: keys[keys.length - 1]!, ...(range.$lt !== undefined && { $lt: range.$lt }) };
    }
    return this.read <= limit;
  }
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
  if (!store.readKeys) return undefined;
  let open = plan.filter((s) => s.ranges.length <= MAX_RANGES).map((s) => new SourceRead(store, type, s));
  if (open.length === 0) return undefined;
  const narrow: Array<Set<string>> = [];
  let bound = maxKeys;
  for (let limit = FIRST_LIMIT; open.length > 0; limit *= 4) {
    const at = Math.min(limit, bound);
    const ended = await Promise.all(open.map((s) => s.upTo(at)));
    narrow.push(...open.filter((_, i) => ended[i]).map((s) => s.ids));
    open = open.filter((_, i) => !ended[i]);
    // A wider source is still read while it may shrink the candidates enough to pay for its keys.
    if (narrow.length > 0)
      bound = Math.min(maxKeys, KEYS_PER_CANDIDATE * Math.min(...narrow.map((n) => n.size)));
    if (at >= bound) break;
  }
  if (narrow.length === 0) return undefined;
  narrow.sort((a, b) => a.size - b.size);
  const [smallest, ...rest] = narrow;
  return [...smallest!].filter((id) => rest.every((s) => s.has(id))).sort();
}
