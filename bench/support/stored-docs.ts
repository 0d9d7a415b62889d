// The documents the server stores for a first version (src/storage/repository.ts): the version with its text, the
// current view with its search index and a pointer to that text, and the keys of the ordered search index, for
// benchmarks that load or insert data without the server.
import type { Resource } from 'fhir/r4';
import { indexResource, versionKeys } from '../../src/search';
import { historyKey, versionKey } from '../../src/storage/collections';

export type Doc = { _id: string; [k: string]: unknown };

/** `json`: the resource's stored text (id and meta stamped); `resource`: the same, parsed. */
export function firstVersionDocs(
  resource: Resource,
  json: string,
  at: Date,
  method: 'POST' | 'PUT',
): { version: Doc; view: Doc; keys: Doc[] } {
  const type = resource.resourceType;
  const id = resource.id ?? '';
  const index = indexResource(resource);
  const key = versionKey(type, id, 1);
  const head = { type, id, versionId: 1, lastUpdated: at, deleted: false };
  return {
    version: { _id: key, ...head, hkey: historyKey(at, type, id, 1), method, blob: key, json },
    view: { _id: `${type}/${id}`, ...head, idx: index.idx, sort: index.sort, blob: key },
    keys: versionKeys(type, id, 1, index).map((_id) => ({ _id })),
  };
}
