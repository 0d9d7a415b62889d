// $validate at type and instance level (resource-operation-validate.html): the resource (a bare body, or the
// `resource` parameter of a Parameters body) against the R4 definitions, the profiles it claims and a `profile`
// parameter. Always 200 with an OperationOutcome listing every issue, or "All OK".
import type { Resource } from 'fhir/r4';
import { parseExact, toPlain, type JsonObject } from '../../fhir/json';
import { allOk, badRequest, gone, issue, notFound, operationOutcome, type Issue } from '../../fhir/outcome';
import { shapeIssues } from '../../fhir/shape';
import type { FhirRequest, Handler } from '../types';

interface ValidateInput {
  resource?: JsonObject;
  profile?: string;
  mode?: string;
}

function input(req: FhirRequest): ValidateInput {
  const out: ValidateInput = {};
  const q = new Map(req.query);
  if (q.has('profile')) out.profile = q.get('profile')!;
  if (q.has('mode')) out.mode = q.get('mode')!;
  if (!req.body) return out;
  const body = parseExact(req.body.text) as JsonObject;
  if (body?.resourceType !== 'Parameters') return { ...out, resource: body };
  for (const p of (body.parameter as JsonObject[] | undefined) ?? []) {
    if (p.name === 'resource') out.resource = p.resource as JsonObject;
    else if (p.name === 'profile' && typeof p.valueUri === 'string') out.profile = p.valueUri;
    else if (p.name === 'profile' && typeof p.valueCanonical === 'string') out.profile = p.valueCanonical;
    else if (p.name === 'mode' && typeof p.valueCode === 'string') out.mode = p.valueCode;
  }
  return out;
}

export const validate: Handler = async (ctx, req) => {
  const { type, id } = req.route as { type: string; id?: string };
  const { resource: given, profile, mode } = input(req);
  if (mode !== undefined && !['create', 'update', 'delete'].includes(mode)) {
    throw badRequest(`mode "${mode}" must be create, update or delete`, 'mode');
  }
  let resource = given;
  if (resource === undefined && id !== undefined) {
    const stored = await ctx.repo.read(type, id);
    if (!stored) throw notFound(`${type}/${id} is not known`);
    if (stored.deleted || stored.json === undefined) throw gone(`${type}/${id} was deleted`);
    if (mode === 'delete') return { status: 200, body: allOk(`${type}/${id} may be deleted`) };
    resource = parseExact(stored.json) as JsonObject;
  }
  if (resource === undefined)
    throw badRequest('$validate needs a resource: the body, or a "resource" parameter');
  const issues: Issue[] = shapeIssues(resource, type);
  if (mode === 'update' && id !== undefined && resource.id !== id) {
    issues.push(issue('invalid', `The resource id must be "${id}" for an update`, `${type}.id`));
  }
  if (profile !== undefined && !ctx.validator.hasProfile(profile)) {
    issues.push(issue('not-supported', `The profile ${profile} is not known to this server`, 'profile'));
  }
  if (!issues.some((i) => i.severity === 'error')) {
    const profiles = [
      ...(profile !== undefined && ctx.validator.hasProfile(profile) ? [profile] : []),
      ...(ctx.config.requiredProfiles[type] ?? []),
    ];
    issues.push(...ctx.validator.validate(toPlain<Resource>(resource), { profiles }));
  }
  return {
    status: 200,
    body: issues.length === 0 ? allOk('All OK: no issues found') : operationOutcome(issues),
  };
};
