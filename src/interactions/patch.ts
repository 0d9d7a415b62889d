// PATCH [base]/[type]/[id] (http.html#patch) with JSON Patch or FHIRPath Patch; the result goes through the same
// validation and versioning as an update, and a failing patch changes nothing.
import jsonpatch, { type Operation } from 'fast-json-patch';
import { applyFhirPathPatch, isFhirPathPatch } from '../fhir/fhirpath-patch';
import { cloneExact, parseExact, type JsonObject } from '../fhir/json';
import { badRequest, fail, gone, notFound, OperationOutcomeError } from '../fhir/outcome';
import type { StoredResource } from '../storage';
import { parseIfMatch, queryString, writeResponse } from './common';
import { singleMatch } from './conditional';
import type { FhirRequest, FhirResponse, Handler, ServerContext } from './types';

export type Patcher = (resource: JsonObject) => JsonObject;

export const patch: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
  return patchOne(ctx, req, type, id);
};

/** PATCH [base]/[type]?search: exactly one match is patched; none is 404, several are 412. */
export const conditionalPatch: Handler = async (ctx, req) => {
  const type = req.route.type!;
  const id = await singleMatch(ctx, type, queryString(req), 'Conditional patch');
  if (id === undefined) throw notFound(`No ${type} matches "${queryString(req)}": nothing to patch`);
  return patchOne(ctx, req, type, id);
};

async function patchOne(
  ctx: ServerContext,
  req: FhirRequest,
  type: string,
  id: string,
): Promise<FhirResponse> {
  const patcher = readPatch(req);
  const ifMatch = parseIfMatch(req.headers['if-match']);
  const out = await ctx.repo.write(
    type,
    id,
    (cur) => ({ kind: 'put', tree: patcher(currentTree(type, id, cur)) }),
    { method: 'PATCH', ifMatch, malformedStatus: 422 },
  );
  const stored = out!.stored;
  return writeResponse(req, stored, 200, `Patched ${type}/${id} (version ${stored.versionId})`);
}

export function currentTree(type: string, id: string, cur: StoredResource | undefined): JsonObject {
  if (!cur) throw notFound(`${type}/${id} is not known`);
  if (cur.deleted || cur.json === undefined) throw gone(`${type}/${id} was deleted`);
  return parseExact(cur.json) as JsonObject;
}

export function readPatch(req: FhirRequest): Patcher {
  if (!req.body)
    throw badRequest('PATCH needs a body: a JSON Patch document or a FHIRPath Patch Parameters resource');
  const body = parseExact(req.body.text);
  if (req.body.kind === 'json-patch') {
    if (!Array.isArray(body)) throw badRequest('A JSON Patch document is a JSON array of operations');
    const ops = body as Operation[];
    const invalid = jsonpatch.validate(ops);
    if (invalid) throw badRequest(`JSON Patch operation ${invalid.index} is invalid: ${invalid.message}`);
    return (resource) => {
      try {
        // Patched in place on a copy: the library's own copy would turn exact decimals into plain objects.
        return jsonpatch.applyPatch(cloneExact(resource), ops, true, true).newDocument;
      } catch (err) {
        throw fail(
          422,
          'processing',
          `JSON Patch could not be applied: ${(err as Error).message.split('\n')[0]}`,
        );
      }
    };
  }
  if (req.body.kind === 'resource' && isFhirPathPatch(body)) {
    return (resource) => {
      try {
        return applyFhirPathPatch(resource, body as JsonObject);
      } catch (err) {
        if (err instanceof OperationOutcomeError) throw err;
        throw fail(422, 'processing', `FHIRPath Patch could not be applied: ${(err as Error).message}`);
      }
    };
  }
  throw fail(
    415,
    'not-supported',
    'PATCH accepts application/json-patch+json, or a FHIRPath Patch Parameters resource as application/fhir+json',
  );
}
