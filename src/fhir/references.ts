// Walks every Reference in a resource (extensions and contained resources included) to rewrite it
// (http.html#trules: references to a Bundle entry's fullUrl become the id the server assigned).
import type { JsonObject } from './json';

export interface FoundReference {
  value: string;
  /** FHIRPath-like location, e.g. `Observation.subject.reference`. */
  path: string;
}

/** Calls `replace` for every `reference` string; a returned string replaces it. */
export function rewriteReferences(
  resource: JsonObject,
  replace: (ref: FoundReference) => string | undefined,
): void {
  walk(resource, String(resource.resourceType), replace);
}

function walk(node: unknown, path: string, replace: (ref: FoundReference) => string | undefined): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, `${path}[${i}]`, replace));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as JsonObject;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'reference' && typeof value === 'string') {
      const next = replace({ value, path: `${path}.reference` });
      if (next !== undefined) obj.reference = next;
    } else if (typeof value === 'object' && value !== null) {
      walk(value, `${path}.${key}`, replace);
    }
  }
}
