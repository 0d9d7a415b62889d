// The labels and marks the access rules read (security-labels.html): GBV data segmentation by the v3-ActCode and
// v3-Confidentiality labels, the clinic that owns a resource, and who belongs to a patient's compartment.
import { compartmentParams } from '../interactions/compartment';
import { entries, ids, type Rule } from './rule';

export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** Labels that make a resource restricted: sensitive data (SDV), restricted (R), very restricted (V). */
export const RESTRICTED_LABELS: ReadonlyArray<{ system: string; code: string }> = [
  { system: ACT_CODE, code: 'SDV' },
  { system: CONFIDENTIALITY, code: 'R' },
  { system: CONFIDENTIALITY, code: 'V' },
];

/** The tag by which the server marks the clinic (Organization id) that owns a resource. */
export const CLINIC_TAG_SYSTEM = 'http://ephr-fhir.org/fhir/CodeSystem/clinic';

/** A restricted label among the resource's index entries. */
export const restricted: Rule = entries(RESTRICTED_LABELS.map((l) => `_security|${l.system}|${l.code}`));

/** Owned by `clinic`. */
export const ownedBy = (clinic: string): Rule => entries([`_tag|${CLINIC_TAG_SYSTEM}|${clinic}`]);

/**
 * In the compartment of one of `patients` (Patient ids): the Patient itself, or a resource whose compartment
 * parameters (CompartmentDefinition-patient) reference it. False for types outside the Patient compartment.
 */
export function ofPatients(type: string, patients: readonly string[]): Rule {
  if (patients.length === 0) return false;
  if (type === 'Patient') return ids(patients.map((p) => `Patient/${p}`));
  const params = compartmentParams(type);
  if (!params) return false;
  return entries(params.flatMap((code) => patients.map((p) => `${code}|Patient/${p}`)));
}

/** True when `type` has resources that belong to a patient (Patient, and the types of its compartment). */
export const patientData = (type: string): boolean =>
  type === 'Patient' || compartmentParams(type) !== undefined;
