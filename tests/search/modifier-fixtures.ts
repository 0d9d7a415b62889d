// A small hand-made data set for tests/rest/search-modifiers.test.ts: every parameter type with values placed
// so that each modifier and prefix separates them. The expected ids are worked out in the test.
import type { FhirResource } from 'fhir/r4';

export const EPHR = 'http://ephr-fhir.org/fhir/sid/ephr-id';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const CORE_PATIENT = 'http://hl7.org/fhir/StructureDefinition/Patient';

const narrative = (s: string) => ({
  status: 'generated' as const,
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${s}</div>`,
});

export const patients: FhirResource[] = [
  {
    resourceType: 'Patient',
    id: 'pa',
    meta: {
      profile: [CORE_PATIENT],
      security: [{ system: CONFIDENTIALITY, code: 'R' }],
      source: 'http://clinic-a.example/ehr',
      tag: [{ system: 'urn:tags', code: 'arrival-2024' }],
    },
    identifier: [
      { system: EPHR, value: 'A-1' },
      {
        type: { coding: [{ system: V2_0203, code: 'PPN' }], text: 'Passport' },
        system: 'urn:oid:2.16.760.1',
        value: 'N123',
      },
    ],
    name: [{ family: 'Haddad', given: ['Rania'] }],
    gender: 'female',
    birthDate: '1990-05-14',
  },
  {
    resourceType: 'Patient',
    id: 'pb',
    meta: { security: [{ system: CONFIDENTIALITY, code: 'N' }], source: 'http://clinic-b.example/ehr' },
    text: narrative('Hussein Al-Haddad'),
    identifier: [{ system: EPHR, value: 'A-2' }],
    name: [{ family: 'Al-Haddad', given: ['Hussein'] }],
    gender: 'male',
    birthDate: '1985',
    multipleBirthInteger: 2,
  },
  {
    resourceType: 'Patient',
    id: 'pc',
    identifier: [{ system: EPHR, value: 'A-3' }],
    name: [{ family: 'Tesfaye', given: ['Hassan'] }],
    gender: 'male',
  },
  {
    resourceType: 'Patient',
    id: 'pd',
    identifier: [{ system: EPHR, value: 'A-4' }],
    name: [{ family: 'Osman', given: ['Amina'] }],
    birthDate: '2007-11',
  },
];

const quantity = (value: number, code: string) => ({ value, unit: code, system: UCUM, code });
const vital = (id: string, subject: string, code: string, display: string, value: number, unit: string) => ({
  resourceType: 'Observation' as const,
  id,
  status: 'final' as const,
  code: { coding: [{ system: LOINC, code, display }] },
  subject: { reference: `Patient/${subject}` },
  effectiveDateTime: '2024-03-10T09:00:00Z',
  valueQuantity: quantity(value, unit),
});

export const observations: FhirResource[] = [
  // heart rate, with a CodeableConcept.text besides the display
  {
    ...vital('o1', 'pa', '8867-4', 'Heart rate', 72, '/min'),
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }], text: 'Pulse' },
  },
  vital('o2', 'pb', '8867-4', 'Heart rate', 95, '/min'),
  vital('o3', 'pb', '29463-7', 'Body weight', 70, 'kg'),
  {
    // the subject names the person by identifier as well as by reference
    ...vital('o4', 'pa', '2345-7', 'Glucose', 5.5, 'mmol/L'),
    subject: { reference: 'Patient/pa', identifier: { system: EPHR, value: 'A-1' } },
  },
  {
    resourceType: 'Observation',
    id: 'o5',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '94500-6', display: 'SARS-CoV-2 RNA' }] },
    subject: { reference: 'Patient/pc' },
    valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260373001' }] },
  },
  {
    resourceType: 'Observation',
    id: 'o6',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
    subject: { reference: 'Patient/pd' },
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: quantity(120, 'mm[Hg]') },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: quantity(80, 'mm[Hg]') },
    ],
  },
];

const encounter = (id: string, period?: { start?: string; end?: string }, subject?: string) => ({
  resourceType: 'Encounter' as const,
  id,
  status: 'finished' as const,
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  ...(subject ? { subject: { reference: `Patient/${subject}` } } : {}),
  ...(period ? { period } : {}),
});

export const encounters: FhirResource[] = [
  encounter('e1', { start: '2024-03-10T08:00:00Z', end: '2024-03-12T18:00:00Z' }, 'pa'),
  encounter('e2', { start: '2024-03-15' }, 'pa'), // still open: its range has no upper end
  encounter('e3', { start: '2024-02-01', end: '2024-02-29' }, 'pa'),
  encounter('e4'),
  encounter('e5', { start: '2010-01-01', end: '2010-01-02' }, 'pb'),
];

const risk = (id: string, probability?: number) => ({
  resourceType: 'RiskAssessment' as const,
  id,
  status: 'final' as const,
  subject: { reference: 'Patient/pa' },
  prediction: [
    probability === undefined
      ? { outcome: { text: 'relapse' } }
      : { outcome: { text: 'relapse' }, probabilityDecimal: probability },
  ],
});

export const risks: FhirResource[] = [risk('r1', 80), risk('r2', 25.4), risk('r3'), risk('r4', 86)];

const carePlan = (id: string, instantiatesUri?: string) => ({
  resourceType: 'CarePlan' as const,
  id,
  status: 'active' as const,
  intent: 'plan' as const,
  subject: { reference: 'Patient/pa' },
  ...(instantiatesUri ? { instantiatesUri: [instantiatesUri] } : {}),
});

export const carePlans: FhirResource[] = [
  carePlan('cp1', 'http://who.int/guidelines/tb/2024/adult'),
  carePlan('cp2', 'http://who.int/guidelines/hiv'),
  carePlan('cp3'),
];

export const all: FhirResource[] = [...patients, ...observations, ...encounters, ...risks, ...carePlans];
