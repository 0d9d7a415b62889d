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

const RELATIVE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
const ABSOLUTE = /^(https?:\/\/.+)\/[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** Whether `ref` is a relative literal reference, `Type/id`. */
export const isRelativeReference = (ref: string): boolean => RELATIVE.test(ref);

/**
 * The base a relative reference inside an entry resolves against (bundle.html#references): the base of the entry's
 * fullUrl when that is an absolute RESTful URL (`http://example.org/fhir/Patient/123` -> `http://example.org/fhir`),
 * the server's base otherwise.
 */
export function referenceBase(fullUrl: string | undefined, serverBase: string): string {
  const m = fullUrl === undefined ? null : ABSOLUTE.exec(fullUrl);
  return m ? m[1]! : serverBase;
}
