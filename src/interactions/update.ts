// PUT [base]/[type]/[id] (http.html#update): a new version, update-as-create, If-Match (http.html#concurrency).
import { badRequest } from '../fhir/outcome';
import { location, parseIfMatch, resourceBody, writeResponse } from './common';
import type { Handler } from './types';

export const update: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
  const tree = resourceBody(req);
  if (tree.id === undefined)
    throw badRequest(`The resource has no id; it must be "${id}" as in the URL`, `${type}.id`);
  if (tree.id !== id)
    throw badRequest(
      `The resource id ${JSON.stringify(tree.id)} differs from the URL's "${id}"`,
      `${type}.id`,
    );
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
};
