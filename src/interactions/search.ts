// GET [base]/[type]?..., POST [base]/[type]/_search and GET [base]?_type=... (search.html): a searchset Bundle.
// Resources are written into the Bundle as stored text unless `_summary`/`_elements` reshape them.
import type { Resource } from 'fhir/r4';
import { bundleText, type TextEntry } from '../fhir/json';
import { badRequest } from '../fhir/outcome';
import {
  executeSearch,
  parseSearch,
  searchsetBundle,
  summarise,
  type SearchHooks,
  type SearchRequest,
} from '../search';
import type { FhirRequest, Handler, ServerContext } from './types';

/** The parameters of a search: the query string, plus a form body for POST _search. */
export function searchParameters(req: FhirRequest): Array<[string, string]> {
  const params = req.query.filter(([k]) => k !== '_format');
  if (req.method === 'POST' && req.body) {
    if (req.body.kind !== 'form') {
      throw badRequest('POST _search takes its parameters as application/x-www-form-urlencoded');
    }
    params.push(...new URLSearchParams(req.body.text).entries());
  }
  return params;
}

export const strictHandling = (req: FhirRequest): boolean =>
  /handling\s*=\s*strict/i.test(req.headers.prefer ?? '');

export function parse(
  ctx: ServerContext,
  types: string[] | string,
  params: Array<[string, string]>,
  strict: boolean,
): SearchRequest {
  return parseSearch(types, params, {
    strict,
    baseUrl: ctx.config.baseUrl,
    defaultCount: ctx.config.searchDefaultCount,
    maxCount: ctx.config.searchMaxCount,
    maxChainDepth: ctx.config.searchMaxChainDepth,
    maxParameters: ctx.config.searchMaxParameters,
    maxValues: ctx.config.searchMaxValues,
    maxValueLength: ctx.config.searchMaxValueLength,
  });
}

/** The context's hooks with the configured limits (a hook that sets a limit itself keeps it). */
export const searchHooks = (ctx: ServerContext): SearchHooks => ({
  maxChainResults: ctx.config.searchMaxChainResults,
  maxIncludes: ctx.config.searchMaxIncludes,
  maxIncludeIterations: ctx.config.searchMaxIncludeIterations,
  ...ctx.search.hooks,
});

export const searchType: Handler = async (ctx, req) => {
  const sreq = parse(ctx, req.route.type!, searchParameters(req), strictHandling(req));
  return { status: 200, body: await searchBundle(ctx, sreq) };
};

export const searchSystem: Handler = async (ctx, req) => {
  const sreq = parse(ctx, [], searchParameters(req), strictHandling(req));
  return { status: 200, body: await searchBundle(ctx, sreq) };
};

export async function searchBundle(ctx: ServerContext, sreq: SearchRequest): Promise<string> {
  const result = await executeSearch(ctx.search.store, sreq, searchHooks(ctx));
  const skeleton = searchsetBundle(ctx.config.baseUrl, sreq, { ...result, matches: [], includes: [] });
  const { resourceType: _rt, entry: _e, ...head } = skeleton;
  const reshaped = (sreq.summary !== undefined && sreq.summary !== 'false') || sreq.elements !== undefined;
  const entry = (e: { type: string; id: string; json: string }, mode: 'match' | 'include'): TextEntry => ({
    fullUrl: `${ctx.config.baseUrl}/${e.type}/${e.id}`,
    resourceText: reshaped
      ? JSON.stringify(
          summarise(
            JSON.parse(e.json) as Resource,
            sreq.summary,
            mode === 'match' ? sreq.elements : undefined,
          ),
        )
      : e.json,
    search: { mode },
  });
  return bundleText(head, [
    ...result.matches.map((e) => entry(e, 'match')),
    ...result.includes.map((e) => entry(e, 'include')),
  ]);
}
