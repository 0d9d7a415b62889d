// The search index follows the search parameter definitions: when they change (a SearchParameter added to
// profiles/, a new release of the extraction code), the server rebuilds the index at start, with no manual step.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { SearchParameterRegistry } from '../search';
import type { Collections } from './collections';
import type { FhirRepository } from './port';

/**
 * The version of what the extraction code writes for the same definitions (the view's `idx` and `sort`, the keys of
 * search/keys.ts): raise it with every change to either, with a test that an index of the format before is rebuilt.
 */
export const INDEX_FORMAT = 1;
const KEY = 'search-definitions';

export function definitionsFingerprint(registry: SearchParameterRegistry): string {
  const hash = crypto.createHash('sha256').update(`format ${INDEX_FORMAT}\n`);
  for (const type of [...registry.types()].sort()) {
    for (const d of [...registry.byType(type)].sort((a, b) => a.code.localeCompare(b.code))) {
      hash.update(JSON.stringify([type, d.code, d.type, d.expression, d.target, d.components]));
      hash.update('\n');
    }
  }
  return hash.digest('hex');
}

/** Reindexes every stored resource when the fingerprint differs from the one the index was built with. */
export async function followDefinitions(
  repo: FhirRepository,
  c: Collections,
  fingerprint: string,
  logger: Logger,
): Promise<void> {
  const mark = await c.meta.findOne({ _id: KEY });
  if (mark?.value === fingerprint) return;
  const started = Date.now();
  if (mark || (await c.resources.findOne({}, { projection: { _id: 1 } }))) {
    logger.warn('search parameter definitions changed: rebuilding the search index');
    const p = await repo.reindex();
    logger.warn({ ...p, ms: Date.now() - started }, 'search index rebuilt');
  }
  await c.meta.updateOne({ _id: KEY }, { $set: { value: fingerprint } }, { upsert: true });
}
