// Rebuilds the search index of every current resource from its stored text, for when the search parameter
// definitions change (a new SearchParameter in profiles/, a new release of the extraction code).
import type { Resource } from 'fhir/r4';
import type { Collections } from './collections';
import type { WritePipeline } from './repository';
import { versionKeys, type SearchIndex } from '../search';
import { deleteKeys, insertKeys } from './keys';
import { Coalescer } from './coalesce';

const BATCH = 200;

/** Key order aside (FerretDB moves `_id` first in stored sub-documents), the same values. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, sortedKeys) === JSON.stringify(b, sortedKeys);
}

/** JSON.stringify replacer: plain objects with their keys in order (BSON values keep their own toJSON). */
function sortedKeys(_key: string, v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype)
    return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

export interface ReindexProgress {
  done: number;
  /** Current resources whose index changed. */
  changed: number;
}

export async function reindexAll(
  c: Collections,
  index: WritePipeline['index'],
  /** The texts that blob keys name (Repository.textsOf). */
  textsOf: (blobs: string[]) => Promise<Map<string, string>>,
  onProgress: (p: ReindexProgress) => void = () => undefined,
): Promise<ReindexProgress> {
  const progress: ReindexProgress = { done: 0, changed: 0 };
  const co = new Coalescer();
  let after = '';
  for (;;) {
    // paged by _id alone: the one filter FerretDB hands to SQLite, and the order MongoDB keeps for free
    const docs = await c.resources
      .find(
        { _id: { $gt: after } },
        { projection: { _id: 1, type: 1, id: 1, versionId: 1, blob: 1, idx: 1, sort: 1 } },
      )
      .sort({ _id: 1 })
      .limit(BATCH)
      .toArray();
    if (docs.length === 0) return progress;
    after = docs[docs.length - 1]!._id;
    const blobIds = docs.flatMap((d) => (d.blob ? [d.blob] : []));
    const blobs = await textsOf(blobIds);
    const added: string[] = [];
    const gone: string[] = [];
    for (const d of docs) {
      const json = d.blob ? blobs.get(d.blob) : undefined;
      const resource = json === undefined ? undefined : (JSON.parse(json) as Resource);
      const next = resource === undefined ? { idx: {}, sort: {} } : index(resource);
      // Every key of the version the view shows (one there already is kept), and none its old index had but
      // the new one has not.
      const after = new Set(versionKeys(d.type, d.id, d.versionId, next));
      added.push(...after);
      gone.push(
        ...versionKeys(d.type, d.id, d.versionId, d as unknown as SearchIndex).filter((k) => !after.has(k)),
      );
      if (!same(next.idx, d.idx) || !same(next.sort, d.sort)) {
        // guarded by the version: a write since the read has indexed its own version already
        const r = await c.resources.updateOne(
          { _id: d._id, versionId: d.versionId },
          { $set: { idx: next.idx, sort: next.sort } },
        );
        progress.changed += r.modifiedCount;
      }
      progress.done++;
    }
    await insertKeys(c, co, added);
    await deleteKeys(c, gone);
    onProgress(progress);
  }
}
