// The bound on the strings a write indexes (issue 20): names, text, identifiers, codes and references become index
// entries (and keys of the ordered index, and the phonetic key), so their length bounds the cost of every write and
// of every search that reads them. Longer: 422 `too-long` naming the element, before anything is stored.
import { OperationOutcomeError } from '../fhir/outcome';
import type { IndexSink } from './types/common';

/** Default of MAX_INDEXED_STRING_LENGTH (config.ts). */
export const MAX_INDEXED_STRING_LENGTH = 65_536;

/** Throws when an entry's value (after `code[:kind]|`) is longer than `max` characters. */
export function checkLengths(resource: object, sink: IndexSink, max: number): void {
  for (const set of [sink.k, sink.r, sink.rh]) {
    for (const entry of set) {
      const bar = entry.indexOf('|');
      if (entry.length - bar - 1 <= max) continue;
      const code = entry.slice(0, bar).split(':')[0] ?? '';
      const at = longestStringIn(resource, entry, max);
      throw new OperationOutcomeError(422, [
        {
          severity: 'error',
          code: 'too-long',
          diagnostics: `${at?.path ?? code}: a string of ${at?.length ?? entry.length - bar - 1} characters is indexed for the search parameter ${code}; at most ${max} are allowed (MAX_INDEXED_STRING_LENGTH)`,
          expression: [at?.path ?? `${(resource as { resourceType?: string }).resourceType ?? 'Resource'}`],
        },
      ]);
    }
  }
}

/** The FHIRPath location of the longest string over `max` characters of `resource` that `entry` holds, if any. */
function longestStringIn(
  resource: object,
  entry: string,
  max: number,
): { path: string; length: number } | undefined {
  let best: { path: string; length: number } | undefined;
  const lower = entry.toLowerCase();
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (
        v.length > max &&
        v.length > (best?.length ?? 0) &&
        (entry.includes(v) || lower.includes(v.toLowerCase()))
      )
        best = { path, length: v.length };
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(resource, (resource as { resourceType?: string }).resourceType ?? 'Resource');
  return best;
}
