// PUT [base]/[type]/[id] (http.html#update): a new version, update-as-create, If-Match (http.html#concurrency);
// and PUT [base]/[type]?search (http.html#cond-update), whose target a search decides.
import type { JsonObject } from '../fhir/json';
import { badRequest } from '../fhir/outcome';
import { newId } from '../storage';
import { location, parseIfMatch, queryString, resourceBody, writeResponse } from './common';
import { decideTarget } from './conditional';
import type { FhirRequest, FhirResponse, Handler, ServerContext } from './types';

export const update: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
  const tree = resourceBody(req);
  if (tree.id === undefined)
    throw badRequest(`The resource has no id; it must be "${id}" as in the URL`, `${type}.id`);
  if (tree.id !== id) {
    throw badRequest(
      `The resource id ${JSON.stringify(tree.id)} differs from the URL's "${id}"`,
      `${type}.id`,
    );
  }
  return put(ctx, req, type, id, tree);
};

/** No match: create (with the body's id, if any); one match: update it; several: 412. */
export const conditionalUpdate: Handler = async (ctx, req) => {
  const type = req.route.type!;
  const tree = resourceBody(req);
  const bodyId = typeof tree.id === 'string' ? tree.id : undefined;
  const d = await decideTarget(ctx, type, queryString(req), 'Conditional update', bodyId ?? newId());
  if ('existing' in d && bodyId !== undefined && bodyId !== d.existing) {
    throw badRequest(`The resource id "${bodyId}" is not the id of the match, "${d.existing}"`, `${type}.id`);
  }
  const id = 'existing' in d ? d.existing : d.create;
  try {
    return await put(ctx, req, type, id, { ...tree, id });
  } catch (err) {
    // A refused create frees its identifier key at once, or other requests would wait for it in vain.
    if ('create' in d && d.key !== undefined) await ctx.repo.release(d.key, `${type}/${id}`);
    throw err;
  }
};

async function put(
  ctx: ServerContext,
  req: FhirRequest,
  type: string,
  id: string,
  tree: JsonObject,
): Promise<FhirResponse> {
  const ifMatch = parseIfMatch(req.headers['if-match']);
  const out = (await ctx.repo.write(type, id, () => ({ kind: 'put', tree }), { method: 'PUT', ifMatch }))!;
  const status = out.created ? 201 : 200;
  const message = !out.changed
    ? `${type}/${id} is unchanged (version ${out.stored.versionId})`
    : `${out.created ? 'Created' : 'Updated'} ${type}/${id} as version ${out.stored.versionId}`;
  return writeResponse(
    req,
    out.stored,
    status,
    message,
    out.created ? { Location: location(req.baseUrl, out.stored) } : {},
  );
}
