// GET [base]/[type]/[id] (http.html#read), with If-None-Match / If-Modified-Since (http.html#cread).
import { gone, notFound, OperationOutcomeError } from '../fhir/outcome';
import { etag, versionHeaders } from './common';
import type { FhirRequest, FhirResponse, Handler } from './types';
import type { StoredResource } from '../storage';

export const read: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
  const s = await ctx.repo.read(type, id);
  if (!s) throw notFound(`${type}/${id} is not known`);
  if (s.deleted) {
    const g = gone(`${type}/${id} was deleted (version ${s.versionId})`);
    throw new OperationOutcomeError(410, g.issues, versionHeaders(s));
  }
  return notModified(req, s) ?? { status: 200, headers: versionHeaders(s), body: s.json! };
};

/** 304 when the client's copy is current (If-None-Match wins over If-Modified-Since, as in HTTP). */
export function notModified(req: FhirRequest, s: StoredResource): FhirResponse | undefined {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const tags = inm.split(',').map((t) => t.trim().replace(/^W\//, ''));
    const mine = etag(s.versionId).replace(/^W\//, '');
    return tags.includes(mine) || tags.includes('*')
      ? { status: 304, headers: versionHeaders(s) }
      : undefined;
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    // Last-Modified has whole seconds: compare at that precision.
    if (!Number.isNaN(since) && Math.floor(s.lastUpdated.getTime() / 1000) * 1000 <= since) {
      return { status: 304, headers: versionHeaders(s) };
    }
  }
  return undefined;
}
