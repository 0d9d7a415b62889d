// An access rule over a resource's search index: one rule, two readings. `toFilter` is the database filter every
// search query is ANDed with (so pages stay full and totals count only what the caller may see); `holds` decides
// one resource in memory (reads by id, versions, the resource a write leaves behind). Both read the same index
// entries (`idx.k`, src/search/types/common.ts), so the two can never disagree.

export type Rule =
  | boolean
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule }
  /** The resource has at least one of these index entries (`code|value`, `code|system|value`, `code|Type/id`). */
  | { entries: string[] }
  /** The resource is one of these (`Type/id`). */
  | { ids: string[] };

export const all = (rules: Rule[]): Rule => {
  const rs = rules.filter((r) => r !== true);
  if (rs.includes(false)) return false;
  return rs.length === 0 ? true : rs.length === 1 ? rs[0]! : { all: rs };
};

export const any = (rules: Rule[]): Rule => {
  const rs = rules.filter((r) => r !== false);
  if (rs.includes(true)) return true;
  return rs.length === 0 ? false : rs.length === 1 ? rs[0]! : { any: rs };
};

export const not = (rule: Rule): Rule => (typeof rule === 'boolean' ? !rule : { not: rule });
export const entries = (list: string[]): Rule => (list.length ? { entries: list } : false);
export const ids = (list: string[]): Rule => (list.length ? { ids: list } : false);

/** What `holds` reads of a resource: its `Type/id` and its index entries. */
export interface Indexed {
  _id: string;
  k: ReadonlySet<string>;
}

export function holds(rule: Rule, r: Indexed): boolean {
  if (typeof rule === 'boolean') return rule;
  if ('all' in rule) return rule.all.every((x) => holds(x, r));
  if ('any' in rule) return rule.any.some((x) => holds(x, r));
  if ('not' in rule) return !holds(rule.not, r);
  if ('entries' in rule) return rule.entries.some((e) => r.k.has(e));
  return rule.ids.includes(r._id);
}

const NOTHING = { _id: { $in: [] } };

/**
 * The filter on the current views (`_id`, `idx.k`). Negations are pushed down to the leaves ($nin), which FerretDB
 * and MongoDB evaluate alike; an empty `$in` matches nothing.
 */
export function toFilter(rule: Rule, negated = false): object {
  if (typeof rule === 'boolean') return rule !== negated ? {} : NOTHING;
  if ('not' in rule) return toFilter(rule.not, !negated);
  if ('all' in rule || 'any' in rule) {
    const parts = ('all' in rule ? rule.all : rule.any).map((r) => toFilter(r, negated));
    // De Morgan: not(all) is any(not), not(any) is all(not).
    const conjunction = 'all' in rule !== negated;
    return conjunction ? { $and: parts } : { $or: parts };
  }
  if ('entries' in rule) return { 'idx.k': negated ? { $nin: rule.entries } : { $in: rule.entries } };
  return { _id: negated ? { $nin: rule.ids } : { $in: rule.ids } };
}
