// DELETE [base]/[type]/[id] (http.html#delete): records a deleted version; idempotent for absent or deleted ids.
import { allOk } from '../fhir/outcome';
import { etag, parseIfMatch, queryString } from './common';
import { singleMatch } from './conditional';
import type { FhirRequest, FhirResponse, Handler, ServerContext } from './types';

export const del: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
  return deleteOne(ctx, req, type, id);
};

/** DELETE [base]/[type]?search (http.html#cdelete), in single mode: no match is a no-op, several are 412. */
export const conditionalDelete: Handler = async (ctx, req) => {
  const type = req.route.type!;
  const id = await singleMatch(ctx, type, queryString(req), 'Conditional delete');
  if (id === undefined) return { status: 200, body: allOk(`No ${type} matches: nothing to delete`) };
  return deleteOne(ctx, req, type, id);
};

async function deleteOne(
  ctx: ServerContext,
  req: FhirRequest,
  type: string,
  id: string,
): Promise<FhirResponse> {
  const ifMatch = parseIfMatch(req.headers['if-match']);
  const out = await ctx.repo.write(
    type,
    id,
    (cur) => (cur && !cur.deleted ? { kind: 'delete' } : undefined),
    { method: 'DELETE', ifMatch },
  );
  if (!out)
    return { status: 200, body: allOk(`${type}/${id} does not exist or is already deleted: nothing to do`) };
  return {
    status: 200,
    headers: { ETag: etag(out.stored.versionId) },
    body: allOk(`Deleted ${type}/${id} (version ${out.stored.versionId} records the deletion)`),
  };
}
