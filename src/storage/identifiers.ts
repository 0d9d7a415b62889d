// Resources by business identifier through `_id` lookups alone, the one query FerretDB answers from an index
// (database.md): conditional updates on `identifier=system|value` (every e-PHR import entry) would otherwise decode
// the whole current view each. Every write first inserts, for each identifier its version carries and the one
// before did not, a slot `Type|system|value#n` naming the resource. Slots are numbered from 0 without gaps and never
// removed; a head document `Type|system|value` remembers roughly how many there are, so that a writer of an
// identifier many resources share starts near the end. A lookup reads the slots in order and keeps the resources
// whose current view still carries the identifier.
import type { Collections } from './collections';
import { isDuplicateKey } from './errors';
import type { Coalescer } from './coalesce';

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
 * Adds a slot naming `id` for each key, at the first free number from the head's count (the inserts of concurrent
 * requests go as one command, coalesce.ts). A slot that names `id` already (left by a writer that died before its
 * version) is not looked for: a second one costs a lookup nothing.
 */
export async function addSlots(
  c: Collections,
  co: Coalescer,
  wanted: Array<{ key: string; id: string }>,
): Promise<void> {
  // Slot 0 first: a new identifier (nearly every one) costs one insert and no read of its head.
  let round = wanted.map((w) => ({ ...w, n: 0 }));
  const placed: Array<{ key: string; n: number }> = [];
  for (let first = true; round.length > 0; first = false) {
    if (!first && round.some((s) => s.n === 1)) {
      const heads = await Promise.all(round.map((s) => co.findById(c.identifiers, s.key)));
      round = round.map((s, i) => ({ ...s, n: Math.max(s.n, heads[i]?.next ?? 0) }));
    }
    const inserted = await Promise.all(
      round.map((s) =>
        co.insert(c.identifiers, { _id: slotId(s.key, s.n), target: s.id }).then(
          () => true,
          (err: unknown) => {
            if (isDuplicateKey(err)) return false;
            throw err;
          },
        ),
      ),
    );
    placed.push(...round.filter((_, i) => inserted[i]));
    round = round.filter((_, i) => !inserted[i]).map((s) => ({ ...s, n: s.n + 1 }));
  }
  // Only a hint, so not awaited and never atomic: a lower count costs the next writer a few more tries. A first
  // slot needs none (the count starts at 0), so a unique identifier costs one insert.
  for (const p of placed.filter((x) => x.n > 0)) {
    c.identifiers
      .updateOne({ _id: p.key }, { $max: { next: p.n + 1 } }, { upsert: true })
      .catch(() => undefined);
  }
}

/** The targets of a key's slots, in order, reading `PROBE` at a time until `enough` says stop or the slots end. */
async function slotTargets(c: Collections, key: string, enough: (targets: string[]) => Promise<boolean>) {
  const targets: string[] = [];
  for (let n = 0; ; n += PROBE) {
    const ids = Array.from({ length: PROBE }, (_, i) => slotId(key, n + i));
    const found = await c.identifiers.find({ _id: { $in: ids } }).toArray();
    const byId = new Map(found.map((f) => [f._id, f.target]));
    for (const id of ids) {
      const t = byId.get(id);
      if (t !== undefined && !targets.includes(t)) targets.push(t);
    }
    const stop = await enough(targets); // asked every round, the last one too
    if (stop || found.length < PROBE) return targets;
  }
}

/** For a rebuild (reindex.ts): a slot for each key whose slots do not name the resource yet. */
export async function backfillSlots(
  c: Collections,
  co: Coalescer,
  wanted: Array<{ key: string; id: string }>,
): Promise<void> {
  const missing: Array<{ key: string; id: string }> = [];
  for (const w of wanted) {
    const targets = await slotTargets(c, w.key, (t) => Promise.resolve(t.includes(w.id)));
    if (!targets.includes(w.id)) missing.push(w);
  }
  await addSlots(c, co, missing);
}

/** Ids of every resource of `type` that has carried `system|value`: all that carry it now, and maybe some more. */
export function identifierTargets(
  c: Collections,
  type: string,
  system: string,
  value: string,
): Promise<string[]> {
  return slotTargets(c, `${type}|${system}|${value}`, () => Promise.resolve(false));
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
  const token = `identifier|${system}|${value}`;
  const live = new Set<string>();
  const checked = new Set<string>();
  // Stops once `limit` live ones are found: a condition only needs to tell none, one and several apart.
  const targets = await slotTargets(c, key, async (found) => {
    const fresh = found.filter((t) => !checked.has(t));
    if (fresh.length === 0) return live.size >= limit;
    for (const t of fresh) checked.add(t);
    const views = await c.resources
      .find(
        { _id: { $in: fresh.map((t) => `${type}/${t}`) } },
        { projection: { id: 1, deleted: 1, 'idx.k': 1 } },
      )
      .toArray();
    for (const v of views) if (!v.deleted && (v.idx?.k ?? []).includes(token)) live.add(v.id);
    return live.size >= limit;
  });
  return targets.filter((t) => live.has(t)).slice(0, limit);
}
