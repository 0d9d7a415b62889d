// PATCH [base]/[type]/[id] (http.html#patch) with JSON Patch or FHIRPath Patch; the result goes through the same
// validation and versioning as an update, and a failing patch changes nothing.
import { applyFhirPathPatch, isFhirPathPatch } from '../fhir/fhirpath-patch';
import { cloneExact, parseExact, type JsonObject } from '../fhir/json';
import { applyJsonPatch, readJsonPatch, type PatchLimits } from '../fhir/json-patch';
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
  const patcher = readPatch(req, patchLimits(ctx));
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

/** The bounds on a patch's work (PATCH_MAX_OPERATIONS, PATCH_MAX_RESULT_SIZE). */
export function patchLimits(ctx: ServerContext): PatchLimits {
  return { maxOperations: ctx.config.patchMaxOperations, maxResultBytes: ctx.config.patchMaxResultBytes };
}

export function readPatch(req: FhirRequest, limits: PatchLimits): Patcher {
  if (!req.body)
    throw badRequest('PATCH needs a body: a JSON Patch document or a FHIRPath Patch Parameters resource');
  const body = parseExact(req.body.text);
  if (req.body.kind === 'json-patch') {
    const ops = readJsonPatch(body, limits);
    return (resource) => {
      let result: unknown;
      try {
        // Patched in place on a copy: the library's own copy would turn exact decimals into plain objects.
        result = applyJsonPatch(cloneExact(resource), ops, limits);
      } catch (err) {
        if (err instanceof OperationOutcomeError) throw err;
        throw fail(
          422,
          'processing',
          `JSON Patch could not be applied: ${(err as Error).message.split('\n')[0]}`,
        );
      }
      if (result === null || typeof result !== 'object' || Array.isArray(result))
        throw fail(422, 'processing', 'JSON Patch would leave no resource: the result is not a JSON object');
      return result as JsonObject;
    };
  }
  if (req.body.kind === 'resource' && isFhirPathPatch(body)) {
    return (resource) => {
      try {
        return applyFhirPathPatch(resource, body as JsonObject, limits);
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
