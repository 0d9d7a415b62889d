// Which keys of the ordered index (keys.ts) hold the candidates of a search filter: the filter a parameter type
// builds over `idx` (equality, anchored prefix, bounds, lists, AND, OR) read as key ranges. What has no range
// (negation, `:missing=true`, `:contains` inside a value) only widens the candidates; the database filter still
// decides on the current views of the candidates, so candidates may be more than the matches, never fewer.
import { boundedRange, exactRange, keyed, type KeyField, type KeyRange, prefixRange } from './keys';

/** A union: resources with a key in one of `ranges`, or one of `ids` (`Type/id`). */
export interface KeySource {
  ranges: KeyRange[];
  ids: string[];
}

/** An intersection of unions; empty when the filter says nothing the index can answer. */
export type KeyPlan = KeySource[];

const FIELDS: ReadonlySet<string> = new Set(['idx.k', 'idx.r', 'idx.rh', 'idx.p']);
const META = /[.*+?^${}()|[\]\\/]/;

/** The literal start of an anchored regular expression, and whether the expression is nothing more. */
function literalHead(pattern: string): { head: string; whole: boolean } | undefined {
  if (!pattern.startsWith('^')) return undefined;
  let head = '';
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return { head, whole: false }; // \s, \d, ...: a class
      head += next;
      i++;
    } else if (META.test(c)) return { head, whole: false };
    else head += c;
  }
  return { head, whole: true };
}

function fieldSource(type: string, field: KeyField, cond: unknown): KeySource | undefined {
  if (typeof cond === 'string')
    return keyed(type, field, cond) ? { ranges: [exactRange(type, field, cond)], ids: [] } : undefined;
  if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) return undefined;
  const c = cond as Record<string, unknown>;
  const ops = Object.keys(c);
  if (ops.length === 1 && Array.isArray(c.$in)) {
    if (!c.$in.every((v): v is string => typeof v === 'string' && keyed(type, field, v))) return undefined;
    return { ranges: c.$in.map((v) => exactRange(type, field, v)), ids: [] };
  }
  if (ops.length === 1 && typeof c.$regex === 'string') {
    const lit = literalHead(c.$regex);
    // An anchored head that names no more than the code (`code|`) still bounds the keys to one parameter.
    return lit && keyed(type, field, lit.head)
      ? { ranges: [prefixRange(type, field, lit.head)], ids: [] }
      : undefined;
  }
  const bounds = ['$gte', '$gt', '$lt', '$lte'] as const;
  if (ops.length > 0 && ops.every((o) => (bounds as readonly string[]).includes(o))) {
    if (!ops.every((o) => typeof c[o] === 'string' && keyed(type, field, c[o]))) return undefined;
    return { ranges: [boundedRange(type, field, c)], ids: [] };
  }
  return undefined;
}

function idSource(type: string, key: '_id' | 'id', cond: unknown): KeySource | undefined {
  const list =
    typeof cond === 'string'
      ? [cond]
      : Array.isArray((cond as { $in?: unknown } | null)?.$in) && Object.keys(cond as object).length === 1
        ? (cond as { $in: unknown[] }).$in
        : undefined;
  if (!list?.every((v): v is string => typeof v === 'string')) return undefined;
  return { ranges: [], ids: key === '_id' ? list : list.map((v) => `${type}/${v}`) };
}

/** The union of the members of an OR, each read as one source; undefined when a member has none. */
function unionOf(plans: KeyPlan[]): KeySource | undefined {
  const out: KeySource = { ranges: [], ids: [] };
  for (const p of plans) {
    const first = p[0]; // an AND member's first source holds every match of that member
    if (!first) return undefined;
    out.ranges.push(...first.ranges);
    out.ids.push(...first.ids);
  }
  return out;
}

/** The key plan of a database filter on the current views of `type` (see the header). */
export function keyPlan(type: string, filter: Record<string, unknown>): KeyPlan {
  const out: KeyPlan = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(cond)) {
      for (const member of cond as Array<Record<string, unknown>>) out.push(...keyPlan(type, member));
    } else if (key === '$or' && Array.isArray(cond)) {
      const u = unionOf((cond as Array<Record<string, unknown>>).map((m) => keyPlan(type, m)));
      if (u) out.push(u);
    } else if (FIELDS.has(key)) {
      const s = fieldSource(type, key.slice('idx.'.length) as KeyField, cond);
      if (s) out.push(s);
    } else if (key === '_id' || key === 'id') {
      const s = idSource(type, key, cond);
      if (s) out.push(s);
    }
    // anything else (`type`, `deleted`, `$nor`, `$exists`, sort fields) narrows nothing here
  }
  return out;
}
