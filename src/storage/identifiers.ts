// Resources by business identifier through `_id` lookups alone, the one query FerretDB answers from an index
// (database.md): conditional updates on `identifier=system|value` (every e-PHR import entry) would otherwise decode
// the whole current view each. Every write first inserts, for each identifier its version carries and the one
// before did not, a slot `Type|system|value#n` naming the resource; slots are numbered from 0 without gaps and never
// removed. A lookup reads the slots in order and keeps the resources whose current view still carries the identifier.
import type { Collections } from './collections';
import { isDuplicateKey } from './errors';

/** Slots asked for per round trip: one identifier value is nearly always held by one resource. */
const PROBE = 4;

/** `Type|system|value` of each identifier (with both system and value) at the resource's root. */
export function identifierKeys(type: string, resource: unknown): string[] {
  const held = (resource as { identifier?: unknown } | null)?.identifier;
  const out = new Set<string>();
  for (const i of Array.isArray(held) ? held : [held]) {
    const { system, value } = (i ?? {}) as { system?: unknown; value?: unknown };
    if (typeof system === 'string' && system !== '' && typeof value === 'string' && value !== '')
      out.add(`${type}|${system}|${value}`);
  }
  return [...out];
}

const slotId = (key: string, n: number): string => `${key}#${n}`;

/**
 * Makes sure a slot names `id` for each key: inserts at the first free number, one `insertMany` per round; a taken
 * slot is read to see whose it is (a writer that crashed after its slot, or an earlier version, may have left ours).
 */
export async function ensureSlots(c: Collections, wanted: Array<{ key: string; id: string }>): Promise<void> {
  let round = wanted.map((w) => ({ ...w, n: 0 }));
  while (round.length > 0) {
    const taken = await insertFree(c, round);
    if (taken.length === 0) return;
    const held = await c.identifiers.find({ _id: { $in: taken.map((t) => slotId(t.key, t.n)) } }).toArray();
    const holder = new Map(held.map((h) => [h._id, h.target]));
    round = taken.filter((t) => holder.get(slotId(t.key, t.n)) !== t.id).map((t) => ({ ...t, n: t.n + 1 }));
  }
}

/** Inserts each slot; returns those another document holds already. */
async function insertFree<T extends { key: string; id: string; n: number }>(
  c: Collections,
  slots: T[],
): Promise<T[]> {
  try {
    await c.identifiers.insertMany(
      slots.map((s) => ({ _id: slotId(s.key, s.n), target: s.id })),
      { ordered: false },
    );
    return [];
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const failed = new Set(writeErrorIndexes(err));
    return slots.filter((_, i) => failed.has(i));
  }
}

function writeErrorIndexes(err: unknown): number[] {
  const e = err as { writeErrors?: unknown; index?: number };
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
  if (list.length === 0 && typeof e.index === 'number') return [e.index];
  return list.map((w: { index?: number; err?: { index?: number } }) => w.index ?? w.err?.index ?? -1);
}

/**
 * Ids of the live resources of `type` whose current view carries `system|value` (the `identifier|system|value`
 * token the search index writes), in slot order, at most `limit`.
 */
export async function findByIdentifier(
  c: Collections,
  type: string,
  system: string,
  value: string,
  limit: number,
): Promise<string[]> {
  const key = `${type}|${system}|${value}`;
  const targets: string[] = [];
  for (let n = 0; ; n += PROBE) {
    const ids = Array.from({ length: PROBE }, (_, i) => slotId(key, n + i));
    const found = await c.identifiers.find({ _id: { $in: ids } }).toArray();
    const byId = new Map(found.map((f) => [f._id, f.target]));
    for (const id of ids) {
      const t = byId.get(id);
      if (t !== undefined && !targets.includes(t)) targets.push(t);
    }
    if (found.length < PROBE) break;
  }
  if (targets.length === 0) return [];
  const token = `identifier|${system}|${value}`;
  const views = await c.resources
    .find(
      { _id: { $in: targets.map((t) => `${type}/${t}`) } },
      { projection: { id: 1, deleted: 1, 'idx.k': 1 } },
    )
    .toArray();
  const live = new Set(views.filter((v) => !v.deleted && (v.idx?.k ?? []).includes(token)).map((v) => v.id));
  return targets.filter((t) => live.has(t)).slice(0, limit);
}
