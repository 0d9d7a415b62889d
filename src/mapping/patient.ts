// Patient (patient.html) and one Encounter per episode (encounter.html) from the field rules in mappings/rules/.
import type { Encounter, Patient, Reference } from 'fhir/r4';
import type { EpisodeScope, MappingContext } from './context';
import { applyRules } from './field-rules';

export function mapPatient(ctx: MappingContext): void {
  const r = ctx.rules.patient;
  const patient: Record<string, unknown> = { resourceType: 'Patient', meta: ctx.meta(r.profile) };
  applyRules(ctx, patient, r.rules, '');
  const identifier = { system: ctx.rules.common.identifierSystems.ephrId, value: ctx.recordId };
  ctx.add(patient as unknown as Patient, identifier, 'patient');
}

export function mapEncounter(
  ctx: MappingContext,
  path: string,
  episodeId: string,
  date: string,
): EpisodeScope {
  const r = ctx.rules.encounter;
  const encounter: Record<string, unknown> = {
    resourceType: 'Encounter',
    meta: ctx.meta(r.profile),
    identifier: [ctx.itemIdentifier(ctx.itemValue(episodeId, 'encounter'))],
    ...structuredClone(r.fixed ?? {}),
    subject: ctx.patient,
  };
  applyRules(ctx, encounter, r.rules, path);
  // A contained Location (site and country of the episode) must be referenced from the Encounter (dom-3).
  const contained = encounter.contained as { id?: string; name?: string }[] | undefined;
  for (const loc of contained ?? []) {
    const location: Reference = { reference: `#${loc.id ?? ''}` };
    if (loc.name) location.display = loc.name;
    ((encounter.location ??= []) as { location: Reference }[]).push({ location });
  }
  const ref = ctx.add(
    encounter as unknown as Encounter,
    ctx.itemIdentifier(ctx.itemValue(episodeId, 'encounter')),
    ctx.itemValue(episodeId, 'encounter'),
  );
  return { path, episodeId, encounter: ref, date };
}
