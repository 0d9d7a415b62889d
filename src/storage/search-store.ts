// The search module's storage contract over the `resources` collection and the ordered index in `keys`; texts come
// from the versions or `blobs`.
import type { SearchStore, StoredRow } from '../search';
import type { ResourceDoc } from './collections';
import type { Repository } from './repository';
import { withImpliedId } from './implied-id';
import { readKeys } from './keys';
import { ReadLimits } from './read-bound';

const HEAD = { blob: 1, versionId: 1, lastUpdated: 1, deleted: 1 } as const;

/** An empty `_id` list at the top: no document can match, so the database is not asked (it would scan). */
const matchesNothing = (filter: object): boolean => {
  const id = (filter as { _id?: { $in?: unknown } })._id;
  return Array.isArray(id?.$in) && id.$in.length === 0;
};

/**
 * `prefixes`: a type's `_id` range is handed to the database (FerretDB, which has no other index; implied-id.ts).
 * Every read is bounded by `limits` (read-bound.ts); `abortable` gives the store of one request.
 */
export function searchStore(
  repo: Repository,
  prefixes = false,
  limits = new ReadLimits(10_000),
): SearchStore {
  const pushed = (filter: object): object => withImpliedId(filter, prefixes);
  return {
    abortable: (signal) => searchStore(repo, prefixes, new ReadLimits(limits.maxTimeMS, signal)),
    async find(unpushed, opts) {
      const filter = pushed(unpushed);
      if (matchesNothing(filter)) return [];
      const wantJson = opts.projection === undefined || opts.projection.json === 1;
      let projection: Record<string, 0 | 1> | undefined;
      if (opts.projection) {
        const { json: _json, ...rest } = opts.projection;
        // with the text, the head fields: a read of a found resource then asks only for a newer version
        projection = wantJson ? { ...rest, ...HEAD } : rest;
      }
      const rows = (await limits.run((bound) => {
        let cursor = repo.c.resources.find(filter, projection ? { projection, ...bound } : bound);
        // (the texts of rows read without them come later, from `texts`)
        if (opts.sort?.length) cursor = cursor.sort(opts.sort);
        if (opts.limit !== undefined) cursor = cursor.limit(opts.limit);
        return cursor.toArray();
      })) as Array<ResourceDoc & { json?: string }>;
      if (wantJson) {
        const ids = rows.flatMap((r) => (r.blob === undefined ? [] : [r.blob]));
        const text = await repo.textsOf(ids);
        for (const r of rows) {
          if (r.blob !== undefined) r.json = text.get(r.blob);
          if (r.versionId !== undefined && r.lastUpdated !== undefined) repo.heads.set(r);
        }
      }
      return rows as unknown as StoredRow[];
    },
    async texts(rows) {
      const text = await repo.textsOf(rows.flatMap((r) => (r.blob === undefined ? [] : [r.blob])));
      for (const r of rows) {
        const t = r.blob === undefined ? undefined : text.get(r.blob);
        if (t !== undefined) r.json = t;
        const head = r as unknown as ResourceDoc;
        if (head.versionId !== undefined && head.lastUpdated !== undefined) repo.heads.set(head);
      }
    },
    count: (unpushed) => {
      const filter = pushed(unpushed);
      return matchesNothing(filter)
        ? Promise.resolve(0)
        : limits.run((bound) => repo.c.resources.countDocuments(filter, bound));
    },
    readKeys: (range, limit, descending) =>
      limits.run((bound) => readKeys(repo.c, range, limit, descending, bound)),
  };
}
