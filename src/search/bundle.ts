// The searchset Bundle (bundle.html#searchset, search.html#summary): entries with `fullUrl` and
// `search.mode`, `total` when known, `self`/`next`/`previous` links; `_summary`/`_elements` applied here.
import type { Bundle, BundleEntry, BundleLink, Resource } from 'fhir/r4';
import { formatSearchUrl } from './format';
import type { SearchRequest } from './request';
import type { Entry, SearchResult } from './store';
import { summarise } from './summary';

export function searchsetBundle(baseUrl: string, req: SearchRequest, result: SearchResult): Bundle {
  const base = baseUrl.replace(/\/$/, '');
  const link: BundleLink[] = [{ relation: 'self', url: formatSearchUrl(base, req) }];
  if (result.nextCursor) link.push({ relation: 'next', url: formatSearchUrl(base, req, result.nextCursor) });
  if (result.prevCursor)
    link.push({ relation: 'previous', url: formatSearchUrl(base, req, result.prevCursor) });
  const entry = (e: Entry, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${base}/${e.type}/${e.id}`,
    resource: summarise(
      JSON.parse(e.json) as Resource,
      req.summary,
      mode === 'match' ? req.elements : undefined,
    ),
    search: { mode },
  });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total !== undefined ? { total: result.total } : {}),
    link,
    entry: [
      ...result.matches.map((e) => entry(e, 'match')),
      ...result.includes.map((e) => entry(e, 'include')),
    ],
  };
}
