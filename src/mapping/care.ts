// Clinician diagnoses as Conditions (condition.html), treatment as Procedures, referrals and follow-up as
// ServiceRequests (servicerequest.html). Conditions come only from recorded ICD-10 diagnoses.
import type { CodeableConcept, Condition, Procedure, ServiceRequest } from 'fhir/r4';
import { gbvContent, normalisePhrase } from '../fhir/gbv-content';
import { itemKey, type EpisodeScope, type MappingContext } from './context';
import { concept } from './terminology';

const ICD10 = 'http://hl7.org/fhir/sid/icd-10';

/** GBV-related diagnoses carry the SDV and R security labels: flagged by the clinician or a GBV code. */
function isSensitiveDiagnosis(icd10: string, flagged: boolean | undefined): boolean {
  return flagged === true || gbvContent().isGbvCoding(ICD10, icd10);
}

/**
 * Whether a treatment or referral comes from the episode's GBV enquiry (rules/gbv.json `related`): flagged by the
 * clinician, its text names GBV, or the enquiry disclosed violence and the text names a response to it (PEP, ...).
 */
function isGbvRelated(
  ctx: MappingContext,
  ep: EpisodeScope,
  path: string,
  texts: Array<string | undefined>,
): boolean {
  if (ctx.src.boolean(`${path}.gbvRelated`) === true) return true;
  const said = texts.filter((t): t is string => t !== undefined);
  if (said.some((t) => gbvContent().mentionsGbv(t))) return true;
  if (!ep.gbvDisclosed) return false;
  const phrases = ctx.rules.gbv.related.phrases.map(normalisePhrase);
  return said.some((t) => phrases.some((p) => normalisePhrase(t).includes(p)));
}

export function mapConditions(ctx: MappingContext, ep: EpisodeScope): void {
  for (const path of ctx.src.elements(`${ep.path}.diagnoses`)) {
    const icd10 = ctx.src.string(`${path}.icd10`) ?? '';
    const text = ctx.src.string(`${path}.text`);
    const status = ctx.src.string(`${path}.status`);
    const sensitive = isSensitiveDiagnosis(icd10, ctx.src.boolean(`${path}.gbvRelated`));
    ctx.addItem(ep, `diagnosis/${itemKey(ctx.src, path)}`, (identifier) => {
      const code: CodeableConcept = { coding: [{ system: ICD10, code: icd10 }] };
      if (text !== undefined) code.text = text;
      const condition: Condition = {
        resourceType: 'Condition',
        meta: ctx.meta('condition', sensitive),
        identifier: [identifier],
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                code: 'encounter-diagnosis',
                display: 'Encounter Diagnosis',
              },
            ],
          },
        ],
        code,
        subject: ctx.patient,
        encounter: ep.encounter,
        recordedDate: ep.date,
      };
      if (status !== undefined) {
        condition.verificationStatus = {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: status }],
        };
      }
      return condition;
    });
  }
}

export function mapTreatments(ctx: MappingContext, ep: EpisodeScope): void {
  const kinds = ctx.rules.valueMaps['treatment-kind'] ?? {};
  for (const path of ctx.src.elements(`${ep.path}.treatment`)) {
    const kind = ctx.src.string(`${path}.kind`) ?? '';
    const text = ctx.src.string(`${path}.text`) ?? '';
    const sensitive = isGbvRelated(ctx, ep, path, [text]);
    ctx.addItem(ep, `treatment/${itemKey(ctx.src, path)}`, (identifier) => {
      const label = kinds[kind];
      const procedure: Procedure = {
        resourceType: 'Procedure',
        ...(sensitive && { meta: ctx.meta(undefined, true) }),
        identifier: [identifier],
        status: 'completed',
        category: { text: typeof label === 'string' ? label : kind },
        code: { text },
        subject: ctx.patient,
        encounter: ep.encounter,
        performedDateTime: ep.date,
      };
      return procedure;
    });
  }
}

function serviceRequest(
  ctx: MappingContext,
  ep: EpisodeScope,
  identifier: ServiceRequest['identifier'],
  sensitive = false,
): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    ...(sensitive && { meta: ctx.meta(undefined, true) }),
    identifier,
    status: 'active',
    intent: 'order',
    subject: ctx.patient,
    encounter: ep.encounter,
    authoredOn: ep.date,
  };
}

export function mapReferrals(ctx: MappingContext, ep: EpisodeScope): void {
  const site = ctx.src.peek(`${ep.path}.site`);
  for (const path of ctx.src.elements(`${ep.path}.referrals`)) {
    const to = ctx.src.string(`${path}.to`) ?? '';
    const reason = ctx.src.string(`${path}.reason`);
    const urgency = ctx.src.string(`${path}.urgency`);
    const country = ctx.src.string(`${path}.country`);
    const sensitive = isGbvRelated(ctx, ep, path, [to, reason]);
    ctx.addItem(ep, `referral/${itemKey(ctx.src, path)}`, (identifier) => {
      const sr = serviceRequest(ctx, ep, [identifier], sensitive);
      sr.code = { text: `Referral to ${to}` };
      sr.performer = [{ display: to }];
      if (typeof site === 'string') sr.requester = { display: site };
      if (reason !== undefined) sr.reasonCode = [{ text: reason }];
      if (urgency === 'routine' || urgency === 'urgent') sr.priority = urgency;
      if (country !== undefined) sr.locationCode = [concept(ctx.rules, 'country', country)];
      return sr;
    });
  }
  const followUp = `${ep.path}.followUp`;
  if (!ctx.src.has(followUp)) return;
  const date = ctx.src.string(`${followUp}.date`);
  const note = ctx.src.string(`${followUp}.note`);
  const sensitive = isGbvRelated(ctx, ep, followUp, [note]);
  ctx.addItem(ep, 'follow-up', (identifier) => {
    const sr = serviceRequest(ctx, ep, [identifier], sensitive);
    sr.intent = 'plan';
    sr.code = { text: 'Follow-up visit' };
    if (date !== undefined) sr.occurrenceDateTime = date;
    if (note !== undefined) sr.note = [{ text: note }];
    return sr;
  });
}
