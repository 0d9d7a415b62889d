// GET [base]/Patient/[id]/[type]?... (search.html#compartments): a search within the Patient compartment of the
// R4 CompartmentDefinition, added as one more constraint on every query of that type.
import type { CompartmentDefinition } from 'fhir/r4';
import { readPackageFile } from '../fhir/definitions';
import { notFound } from '../fhir/outcome';
import { parse, searchBundle, searchParameters, strictHandling } from './search';
import type { SearchHooks } from '../search';
import type { Handler } from './types';

let patientCompartment: Map<string, string[]> | undefined;

/** The reference parameters that put a resource of `type` in a patient's compartment. */
export function compartmentParams(type: string): string[] | undefined {
  patientCompartment ??= new Map(
    (readPackageFile<CompartmentDefinition>('CompartmentDefinition-patient.json').resource ?? [])
      .filter((r) => r.param && r.param.length > 0)
      .map((r) => [r.code, r.param!]),
  );
  return patientCompartment.get(type);
}

/**
 * The access hook of a search of `type` within Patient/`id`'s compartment: one more constraint on every query of that
 * type, around `outer` (the server's own hook). Undefined when `type` is not in the Patient compartment.
 */
export function compartmentHook(
  type: string,
  id: string,
  outer?: SearchHooks['constrain'],
): SearchHooks['constrain'] | undefined {
  const params = compartmentParams(type);
  if (!params) return undefined;
  const ref = `Patient/${id}`;
  // Reference parameters are indexed as `code|Type/id` strings (src/search): one $in covers them all.
  const member: object = { 'idx.k': { $in: params.map((p) => `${p}|${ref}`) } };
  const inCompartment = type === 'Patient' ? { $or: [{ _id: ref }, member] } : member;
  return (t, filter, on) => {
    const f = outer ? outer(t, filter, on) : filter;
    return t === type ? { $and: [f, inCompartment] } : f;
  };
}

export const searchCompartment: Handler = async (ctx, req) => {
  const { compartmentType, id, type } = req.route as { compartmentType: string; id: string; type: string };
  if (compartmentType !== 'Patient')
    throw notFound(`Only the Patient compartment is supported, not ${compartmentType}`);
  const constrain = compartmentHook(type, id, ctx.search.hooks.constrain);
  if (!constrain) throw notFound(`${type} is not part of the Patient compartment`);
  const ref = `Patient/${id}`;
  const hooks = { ...ctx.search.hooks, constrain };
  const sreq = parse(ctx, type, searchParameters(req), strictHandling(req));
  const body = await searchBundle({ ...ctx, search: { ...ctx.search, hooks } }, sreq);
  // The links name the compartment, as the request did.
  return {
    status: 200,
    body: body.split(`"${ctx.config.baseUrl}/${type}?`).join(`"${ctx.config.baseUrl}/${ref}/${type}?`),
  };
};
