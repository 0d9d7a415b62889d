// The documents the server stores for a first version (src/storage/repository.ts): the version with its text, the
// current view with its search index and a pointer to that text, and the `identifiers` keys (a slot per identifier,
// a posting per local reference), for benchmarks that load or insert data without the server.
import type { Resource } from 'fhir/r4';
import { indexResource } from '../../src/search';
import { historyKey, versionKey } from '../../src/storage/collections';
import { identifierKeys } from '../../src/storage/identifiers';
import { referencePostings } from '../../src/storage/references';

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
    keys: [
      ...identifierKeys(type, resource).map((k) => ({ _id: `${k}#0`, target: id })),
      ...referencePostings(type, id, index.idx.k).map((p) => ({ _id: p })),
    ],
  };
}
