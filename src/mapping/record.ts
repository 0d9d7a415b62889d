// mapRecord: one e-PHR record -> one FHIR transaction Bundle (bundle.html#transaction) + an import report.
// Pure: no database, no HTTP. Consent (consent.html) and Provenance (provenance.html) are built here.
import type { Bundle, Consent, Provenance, Reference } from 'fhir/r4';
import type { Issue } from '../fhir/outcome';
import { mapConditions, mapReferrals, mapTreatments } from './care';
import { mapExamination, mapMentalHealth, mapPregnancy, mapTbSymptomScreen } from './clinical';
import { mapLabs } from './labs';
import { MappingContext, stableUuid, type MapOptions } from './context';
import { mapGbv } from './gbv';
import { mapImmunizations } from './immunization';
import { mapEncounter, mapPatient } from './patient';
import { rules } from './rules';
import { Source, type UnmappedField } from './source';
import { concept } from './terminology';
import { validateRecord } from './validate';
import { mapVitals } from './vitals';

export type { MapOptions } from './context';

export interface MapReport {
  recordId: string;
  unmapped: UnmappedField[];
  issues: Issue[];
}

export interface MapResult {
  bundle: Bundle;
  report: MapReport;
}

function mapConsent(ctx: MappingContext): void {
  const base = 'consent';
  if (!ctx.src.has(base)) return;
  const decision = ctx.src.string(`${base}.decision`) === 'deny' ? 'deny' : 'permit';
  const date = ctx.src.string(`${base}.date`);
  const scope = ctx.src.string(`${base}.scope`);
  const countries = ctx.src.get(`${base}.countries`);
  const scopes = ctx.rules.valueMaps['consent-scope'] ?? {};
  ctx.addItem(undefined, 'consent', (identifier) => {
    const consent: Consent = {
      resourceType: 'Consent',
      identifier: [identifier],
      status: 'active',
      scope: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/consentscope',
            code: 'patient-privacy',
            display: 'Privacy Consent',
          },
        ],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
      patient: ctx.patient,
      policyRule: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            code: decision === 'permit' ? 'OPTIN' : 'OPTOUT',
          },
        ],
      },
      provision: { type: decision },
    };
    if (date !== undefined) consent.dateTime = date;
    const label = scope === undefined ? undefined : scopes[scope];
    if (typeof label === 'string') consent.policyRule = { ...consent.policyRule, text: label };
    if (Array.isArray(countries) && consent.provision) {
      consent.provision.actor = countries
        .filter((c): c is string => typeof c === 'string')
        .map((c) => {
          const country = concept(ctx.rules, 'country', c);
          return {
            role: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                  code: 'IRCP',
                  display: 'information recipient',
                },
              ],
            },
            reference: { display: `Health services of ${country.coding?.[0]?.code ?? c}` },
          };
        });
    }
    return consent;
  });
}

/**
 * Provenance has no identifier in R4, so it is written with a PUT on a stable id (from the record id and clinic).
 * `recorded` is the export time of the record, so an unchanged record makes an unchanged Provenance.
 */
function mapProvenance(ctx: MappingContext): void {
  const exportedAt = ctx.src.string('exportedAt');
  const recorded = exportedAt ?? ctx.options.now ?? new Date().toISOString();
  if (exportedAt === undefined) {
    ctx.warn(
      'no exportedAt: Provenance.recorded is the import time, so a re-import changes the Provenance',
      'exportedAt',
      'incomplete',
    );
  }
  const targets: Reference[] = ctx.entries.map((e) => ({ reference: e.fullUrl ?? '' }));
  const id = stableUuid(`${ctx.recordId}|provenance|${ctx.options.clinic.id ?? ctx.options.clinic.name}`);
  const p = ctx.rules.common.provenance;
  const who: Reference = { display: ctx.options.clinic.name };
  if (ctx.options.clinic.id) who.identifier = { value: ctx.options.clinic.id };
  const provenance: Provenance = {
    resourceType: 'Provenance',
    id,
    target: targets,
    recorded,
    activity: { coding: [{ ...p.activity }] },
    agent: [{ type: { coding: [{ ...p.agentType }] }, who }],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: ctx.rules.common.identifierSystems.ephrId, value: ctx.recordId },
          display: `${p.sourceDescription} ${ctx.recordId}${exportedAt ? ` exported ${exportedAt}` : ''}`,
        },
      },
    ],
  };
  ctx.entries.push({
    fullUrl: `urn:uuid:${id}`,
    resource: provenance,
    request: { method: 'PUT', url: `Provenance/${id}` },
  });
}

function mapEpisodes(ctx: MappingContext): void {
  for (const path of ctx.src.elements('episodes')) {
    const episodeId = ctx.src.string(`${path}.episodeId`) ?? '';
    const date = ctx.src.peek(`${path}.date`);
    const ep = mapEncounter(ctx, path, episodeId, typeof date === 'string' ? date : '');
    mapVitals(ctx, ep);
    mapExamination(ctx, ep);
    mapLabs(ctx, ep);
    mapTbSymptomScreen(ctx, ep);
    mapMentalHealth(ctx, ep);
    mapPregnancy(ctx, ep);
    mapImmunizations(ctx, ep);
    mapConditions(ctx, ep);
    mapGbv(ctx, ep);
    mapTreatments(ctx, ep);
    mapReferrals(ctx, ep);
  }
}

/** Maps one record; a record that fails validation gives an empty Bundle and its error issues. */
export function mapRecord(record: unknown, opts: MapOptions): MapResult {
  const recordId =
    typeof record === 'object' &&
    record !== null &&
    typeof (record as { ephrId?: unknown }).ephrId === 'string'
      ? (record as { ephrId: string }).ephrId
      : '';
  const issues = validateRecord(record);
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) {
    return {
      bundle: { resourceType: 'Bundle', type: 'transaction', entry: [] },
      report: { recordId, unmapped: [], issues },
    };
  }
  const ctx = new MappingContext(rules(), new Source(record), recordId, opts);
  ctx.issues.push(...issues);
  mapPatient(ctx);
  mapEpisodes(ctx);
  mapConsent(ctx);
  mapProvenance(ctx);
  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: ctx.entries };
  return { bundle, report: { recordId, unmapped: ctx.src.unmapped(), issues: ctx.issues } };
}
