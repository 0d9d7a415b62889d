// Formats a SearchRequest back into a normalised URL (search.html#self): the `self` link lists the parameters
// actually applied, and `next`/`previous` add the keyset cursor.
import type { Filter, IncludeParam, SearchRequest } from './request';

const escapeValue = (v: string): string => v.replace(/,/g, '\\,');

function filterParam(f: Filter): [string, string] {
  switch (f.kind) {
    case 'param':
      return [f.modifier ? `${f.code}:${f.modifier}` : f.code, f.values.map(escapeValue).join(',')];
    case 'chain': {
      const [name, value] = filterParam(f.next);
      return [`${f.code}${f.targetType ? ':' + f.targetType : ''}.${name}`, value];
    }
    case 'has': {
      const [name, value] = filterParam(f.next);
      return [`_has:${f.type}:${f.reference}:${name}`, value];
    }
  }
}

const includeValue = (i: IncludeParam): string =>
  i.sourceType === '*' ? '*' : [i.sourceType, i.code, ...(i.targetType ? [i.targetType] : [])].join(':');

export function searchParams(req: SearchRequest, cursor?: string): Array<[string, string]> {
  const out: Array<[string, string]> = req.filters.map(filterParam);
  if (req.system && req.types.length > 0 && req.types.length < 100) out.push(['_type', req.types.join(',')]);
  if (req.sort.length) out.push(['_sort', req.sort.map((s) => (s.descending ? '-' : '') + s.code).join(',')]);
  out.push(['_count', String(req.count)]);
  if (req.total !== 'none') out.push(['_total', req.total]);
  if (req.summary) out.push(['_summary', req.summary]);
  if (req.elements) out.push(['_elements', req.elements.join(',')]);
  for (const i of req.include) out.push([i.iterate ? '_include:iterate' : '_include', includeValue(i)]);
  for (const i of req.revinclude)
    out.push([i.iterate ? '_revinclude:iterate' : '_revinclude', includeValue(i)]);
  if (cursor) out.push(['_cursor', cursor]);
  return out;
}

/** Characters that are safe in a query string and that FHIR values use a lot stay as they are. */
const readable = (s: string): string =>
  s.replace(/%(3A|2C|7C|2F|24)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** `[base]/[type]?...` (or `[base]?...` for a system search), parameters in a stable, normalised form. */
export function formatSearchUrl(baseUrl: string, req: SearchRequest, cursor?: string): string {
  const path = req.system
    ? baseUrl.replace(/\/$/, '')
    : `${baseUrl.replace(/\/$/, '')}/${req.types[0] ?? ''}`;
  const query = searchParams(req, cursor)
    .map(([k, v]) => `${readable(encodeURIComponent(k))}=${readable(encodeURIComponent(v))}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}
