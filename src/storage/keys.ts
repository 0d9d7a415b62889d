// Writes and reads of the ordered search index (search/keys.ts) in the `keys` collection: a version's keys go in
// before the version (so a search finds every version a reader can see), the replaced version's keys go once the
// view shows the new one; reads are `_id` ranges, the one index FerretDB and MongoDB both answer.
import type { KeyRange } from '../search';
import type { Collections } from './collections';
import type { Coalescer } from './coalesce';
import { isDuplicateKey } from './errors';

/** Inserts keys (with the inserts of concurrent writes, coalesce.ts); a key there already is kept. */
export async function insertKeys(c: Collections, co: Coalescer, keys: readonly string[]): Promise<void> {
  await Promise.all(
    keys.map((_id) =>
      co.insert(c.keys, { _id }).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      }),
    ),
  );
}

/** Deletes keys of replaced versions; those a crash leaves behind only name a candidate the view turns down. */
export async function deleteKeys(c: Collections, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await c.keys.deleteMany({ _id: { $in: [...keys] } });
}

/** The keys in `range`, in `_id` order or from the end, at most `limit`. */
export async function readKeys(
  c: Collections,
  range: KeyRange,
  limit: number,
  descending = false,
): Promise<string[]> {
  const docs = await c.keys
    .find({ _id: range }, { projection: { _id: 1 } })
    .sort({ _id: descending ? -1 : 1 })
    .limit(limit)
    .toArray();
  return docs.map((d) => d._id);
}
