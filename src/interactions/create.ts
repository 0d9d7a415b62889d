// POST [base]/[type] (http.html#create): the server assigns the id; a client id is ignored. With If-None-Exist
// (http.html#ccreate): an existing single match is returned (200) instead; several matches are 412.
import { newId, type StoredResource } from '../storage';
import { location, resourceBody, writeResponse } from './common';
import { decideTarget } from './conditional';
import type { Handler } from './types';

export const create: Handler = async (ctx, req) => {
  const type = req.route.type!;
  const tree = resourceBody(req);
  let id = newId();
  let key: string | undefined;
  const ifNoneExist = req.headers['if-none-exist'];
  if (ifNoneExist !== undefined && ifNoneExist.trim() !== '') {
    const decision = await decideTarget(ctx, type, ifNoneExist.replace(/^[^?]*\?/, ''), 'If-None-Exist', id);
    if ('existing' in decision) {
      const found = (await ctx.repo.read(type, decision.existing))!;
      return writeResponse(req, found, 200, `${type}/${found.id} exists already: nothing created`);
    }
    id = decision.create;
    key = decision.key;
  }
  let stored: StoredResource;
  try {
    const out = await ctx.repo.write(type, id, () => ({ kind: 'put', tree }), {
      method: 'POST',
      fresh: true,
    });
    stored = out!.stored;
  } catch (err) {
    // A refused create frees its If-None-Exist key at once, or other creates would wait for it in vain.
    if (key !== undefined) await ctx.repo.release(key, `${type}/${id}`);
    throw err;
  }
  return writeResponse(req, stored, 201, `Created ${type}/${id}`, {
    Location: location(req.baseUrl, stored),
  });
};
