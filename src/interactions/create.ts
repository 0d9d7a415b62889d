// POST [base]/[type] (http.html#create): the server assigns the id; a client id is ignored.
import { Repository } from '../storage/repository';
import { location, resourceBody, writeResponse } from './common';
import type { Handler } from './types';

export const create: Handler = async (ctx, req) => {
  const type = req.route.type!;
  const tree = resourceBody(req);
  const id = Repository.newId();
  const out = await ctx.repo.write(type, id, () => ({ kind: 'put', tree }), { method: 'POST' });
  const stored = out!.stored;
  return writeResponse(req, stored, 201, `Created ${type}/${id}`, {
    Location: location(req.baseUrl, stored),
  });
};
