// DELETE [base]/[type]/[id] (http.html#delete): records a deleted version; idempotent for absent or deleted ids.
import { allOk } from '../fhir/outcome';
import { etag, parseIfMatch } from './common';
import type { Handler } from './types';

export const del: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
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
};
