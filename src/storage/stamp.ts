// Stamps a resource with its server-owned fields (id, meta.versionId, meta.lastUpdated) before it is stored.
import { stringifyExact, type JsonObject } from '../fhir/json';

/** Returns the exact text of `tree` as version `versionId`, keeping the client's other meta elements. */
export function stampedText(tree: JsonObject, id: string, versionId: number, lastUpdated: Date): string {
  const { resourceType, id: _ignored, meta, ...rest } = tree;
  const clientMeta = meta !== null && typeof meta === 'object' ? (meta as JsonObject) : {};
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = clientMeta;
  return stringifyExact({
    resourceType,
    id,
    meta: { versionId: String(versionId), lastUpdated: lastUpdated.toISOString(), ...keptMeta },
    ...rest,
  });
}

/** The content that decides whether an update changes anything: all but id, versionId and lastUpdated. */
export function contentOf(tree: JsonObject): JsonObject {
  const { id: _id, meta, ...rest } = tree;
  if (meta === null || typeof meta !== 'object') return rest;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta as JsonObject;
  return Object.keys(keptMeta).length > 0 ? { ...rest, meta: keptMeta } : rest;
}
