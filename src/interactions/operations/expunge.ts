// $expunge at instance level (after HAPI FHIR's operation of that name): erases every stored version of one resource
// for good, for a person who asks to have a record erased (issue 20 point 8). POST with no body or a Parameters body
// of HAPI's parameters; answers a Parameters `count` of the versions removed. The caller needs `d` on the type and
// the admin role (security/guard.ts, guarded-repository.ts); the request is audited like every other.
import { parseExact, type JsonObject } from '../../fhir/json';
import { badRequest, fail, notFound } from '../../fhir/outcome';
import type { FhirRequest, Handler } from '../types';

const BOOLEANS = ['expungeEverything', 'expungeDeletedResources', 'expungePreviousVersions'];

/** Checks HAPI's parameters: this server erases a whole resource, so none may ask to keep a part of it. */
function checkParameters(req: FhirRequest): void {
  if (!req.body || req.body.text.trim() === '') return;
  const body = parseExact(req.body.text) as JsonObject | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body.resourceType !== 'Parameters')
    throw badRequest('The body of $expunge is a Parameters resource (or nothing)', 'Parameters');
  const given = new Map<string, unknown>();
  for (const [i, p] of ((body.parameter as JsonObject[] | undefined) ?? []).entries()) {
    const where = `Parameters.parameter[${i}]`;
    if (typeof p?.name !== 'string') throw badRequest('A parameter needs a name', where);
    if (BOOLEANS.includes(p.name)) {
      if (typeof p.valueBoolean !== 'boolean')
        throw badRequest(`${p.name} is a valueBoolean`, `${where}.valueBoolean`);
      given.set(p.name, p.valueBoolean);
    } else if (p.name === 'limit') {
      if (!Number.isInteger(p.valueInteger) || (p.valueInteger as number) < 1)
        throw badRequest('limit is a positive valueInteger', `${where}.valueInteger`);
    } else throw badRequest(`$expunge has no parameter "${p.name}"`, `${where}.name`);
  }
  if ([...given.values()].some((v) => v === false))
    throw badRequest(
      '$expunge on an instance erases every version of it: no parameter may be false',
      'Parameters',
    );
  if (given.get('expungePreviousVersions') === true && given.size === 1)
    throw badRequest(
      'This server does not keep the current version while erasing the others: ask for expungeEverything (or ' +
        'expungeDeletedResources with expungePreviousVersions) to erase the whole resource',
      'Parameters',
    );
}

export const expunge: Handler = async (ctx, req) => {
  if (req.method !== 'POST') throw fail(405, 'not-supported', '$expunge is invoked with POST');
  const { type, id } = req.route as { type: string; id: string };
  checkParameters(req);
  const count = await ctx.repo.expunge(type, id);
  if (count === 0) throw notFound(`${type}/${id} is not known`);
  return {
    status: 200,
    body: { resourceType: 'Parameters', parameter: [{ name: 'count', valueInteger: count }] },
  };
};
