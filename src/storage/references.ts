// Resources by what they reference, through `_id` lookups alone (FerretDB answers nothing else from an index,
// database.md): `Observation?subject=Patient/p42`, the history of one migrant, would otherwise decode every
// Observation. Before its version, every write inserts a posting `ref:Source|code|Target/id/sourceId` in the
// `identifiers` collection for each `Type/id` it points to through a reference search parameter (the `code|Type/id`
// keys of its search index). Postings are never removed, so they name every resource that points there now and
// maybe some that did once; the search's own predicate still decides. Read as one `_id` prefix range.
import { searchParameterRegistry } from '../search';
import type { Collections } from './collections';
import type { Coalescer } from './coalesce';
import { isDuplicateKey } from './errors';
import { prefixRange } from './implied-id';

const LOCAL = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

const prefixOf = (type: string, code: string, target: string): string => `ref:${type}|${code}|${target}/`;

/** The postings of a resource of `type` with search index entries `keys` (its `idx.k`). */
export function referencePostings(type: string, id: string, keys: readonly string[] | undefined): string[] {
  const registry = searchParameterRegistry();
  const out = new Set<string>();
  for (const k of keys ?? []) {
    const bar = k.indexOf('|');
    const code = k.slice(0, bar);
    const target = k.slice(bar + 1);
    if (bar <= 0 || code.includes(':') || !LOCAL.test(target)) continue;
    if (registry.get(type, code)?.type === 'reference') out.add(prefixOf(type, code, target) + id);
  }
  return [...out];
}

/** Inserts postings (one command with the slots of concurrent writes, coalesce.ts); existing ones are kept. */
export async function addPostings(c: Collections, co: Coalescer, postings: string[]): Promise<void> {
  await Promise.all(
    postings.map((p) =>
      co.insert(c.identifiers, { _id: p }).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      }),
    ),
  );
}

/**
 * `Type/id` of every resource of `type` whose `code` has pointed to `target` (`Patient/p42`); undefined for a
 * target that is not a local `Type/id`, which has no postings.
 */
export async function referencingIds(
  c: Collections,
  type: string,
  code: string,
  target: string,
): Promise<string[] | undefined> {
  if (!LOCAL.test(target) || !/^[a-z][a-z0-9-]*$/.test(code)) return undefined;
  const prefix = prefixOf(type, code, target);
  const docs = await c.identifiers.find({ _id: prefixRange(prefix) }, { projection: { _id: 1 } }).toArray();
  return docs.map((d) => `${type}/${d._id.slice(prefix.length)}`);
}
