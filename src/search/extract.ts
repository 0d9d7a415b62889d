// Index extraction at write time (search.html, "index at write"): every SearchParameter of the resource's
// type is evaluated once and turned into the stored `idx` entries and `sort` keys.
import type { Resource } from 'fhir/r4';
import { encodeCode } from './encode';
import { compileExpression } from './paths';
import { searchParameterRegistry, type SearchParameterRegistry } from './registry';
import { type ExtractContext, IndexSink, type StoredIdx } from './types/common';
import { extractors, SORTABLE } from './types/index';

export interface SearchIndex {
  idx: StoredIdx & Record<string, string[]>;
  sort: Record<string, string>;
}

/** Sort keys of resources lacking a value: they sort last in both directions. */
export const SORT_MISSING_ASC = '\uffff';
export const SORT_MISSING_DESC = '';

/** The `sort` keys of a code: ascending on the smallest value, descending on the largest. */
export const sortKey = (code: string, descending: boolean): string =>
  `sort.${descending ? '-' : ''}${encodeCode(code)}`;

export function indexResource(
  resource: Resource,
  ctx: ExtractContext = {},
  registry: SearchParameterRegistry = searchParameterRegistry(),
): SearchIndex {
  const type = resource.resourceType;
  const sink = new IndexSink();
  const sortable: string[] = [];
  for (const def of registry.byType(type)) {
    if (SORTABLE.has(def.type)) sortable.push(def.code);
    if (def.type === 'special') continue;
    const values = compileExpression(def.expression, type).evaluate(resource);
    if (values.length > 0) extractors[def.type](def, values, sink, ctx);
  }
  const idx: SearchIndex['idx'] = {};
  if (sink.k.size) idx.k = [...sink.k];
  if (sink.r.size) idx.r = [...sink.r];
  if (sink.rh.size) idx.rh = [...sink.rh];
  if (sink.p.size) idx.p = [...sink.p];
  const sort: Record<string, string> = {};
  for (const code of sortable) {
    const c = encodeCode(code);
    sort[c] = sink.sortMin.get(code) ?? SORT_MISSING_ASC;
    sort[`-${c}`] = sink.sortMax.get(code) ?? SORT_MISSING_DESC;
  }
  return { idx, sort };
}
