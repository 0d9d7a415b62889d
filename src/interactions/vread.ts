// GET [base]/[type]/[id]/_history/[vid] (http.html#vread): any version, including those before a delete.
import { gone, notFound } from '../fhir/outcome';
import { versionHeaders } from './common';
import { notModified } from './read';
import type { Handler } from './types';

export const vread: Handler = async (ctx, req) => {
  const { type, id, vid } = req.route as { type: string; id: string; vid: string };
  const s = await ctx.repo.vread(type, id, Number(vid));
  if (!s) throw notFound(`${type}/${id} has no version ${vid}`);
  if (s.deleted) throw gone(`Version ${vid} of ${type}/${id} is its deletion`);
  return notModified(req, s) ?? { status: 200, headers: versionHeaders(s), body: s.json! };
};
