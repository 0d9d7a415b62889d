// Writes and reads of the ordered search index (search/keys.ts) in the `keys` collection: a version's keys go in
// before the version (so a search finds every version a reader can see), the replaced version's keys go once the
// view shows the new one; reads are `_id` ranges, the one index FerretDB and MongoDB both answer.
import { BSON } from 'mongodb';
import type { KeyRange } from '../search';
import type { Collections } from './collections';
import type { Coalescer } from './coalesce';
import { isDuplicateKey } from './errors';
import type { ReadBound } from './read-bound';

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
  bound: ReadBound = {},
): Promise<string[]> {
  // As raw BSON: a key is one string, read straight from its bytes (decoding documents cost the driver about as
  // much as the database spends finding them).
  const docs = (await c.keys
    .find({ _id: range }, { projection: { _id: 1 }, raw: true, ...bound })
    .sort({ _id: descending ? -1 : 1 })
    .limit(limit)
    .toArray()) as unknown as Buffer[];
  return docs.map(keyOf);
}

const ID_NAME = Buffer.from('_id\0', 'latin1');

/** The `_id` string of a raw `{_id: string}` document: type 2 and name `_id` at its start, then the length. */
function keyOf(doc: Buffer): string {
  if (doc[4] === 0x02 && doc.subarray(5, 9).equals(ID_NAME)) {
    const length = doc.readInt32LE(9);
    return doc.toString('utf8', 13, 13 + length - 1);
  }
  return String((BSON.deserialize(doc) as { _id: unknown })._id);
}
