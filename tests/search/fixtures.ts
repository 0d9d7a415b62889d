// A small hand-made data set for the search execution tests; expected result ids are worked out by hand in
// the tests from the spec's rules.
import type { FhirResource } from 'fhir/r4';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const meta = (
  lastUpdated: string,
  tag?: string,
): { lastUpdated: string; tag?: Array<{ system: string; code: string }> } => ({
  lastUpdated,
  ...(tag ? { tag: [{ system: 'urn:tags', code: tag }] } : {}),
});

export const patients: FhirResource[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    meta: meta('2024-01-01T00:00:00Z', 'gbv'),
    name: [{ family: 'Muñoz', given: ['José'] }],
    birthDate: '1980-05-12',
    gender: 'male',
    identifier: [{ system: 'urn:oid:iom', value: 'IOM-001' }],
    address: [{ city: 'Genève' }],
    active: true,
  },
  {
    resourceType: 'Patient',
    id: 'p2',
    meta: meta('2024-01-02T00:00:00Z'),
    name: [{ family: 'Al-Hassan', given: ['Mohammed'] }],
    birthDate: '1990',
    gender: 'male',
    identifier: [{ system: 'urn:oid:iom', value: 'IOM-002' }],
  },
  {
    resourceType: 'Patient',
    id: 'p3',
    meta: meta('2024-01-03T00:00:00Z'),
    name: [{ family: 'Hassan', given: ['Muhammad'] }],
    birthDate: '1990-06-15',
    gender: 'male',
  },
  {
    resourceType: 'Patient',
    id: 'p4',
    meta: meta('2024-01-04T00:00:00Z'),
    name: [{ family: 'Youssef', given: ['Fatima'] }],
    birthDate: '2001-02-03',
    gender: 'female',
    identifier: [
      {
        system: 'urn:oid:unhcr',
        value: 'UNHCR-9',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PPN' }] },
      },
    ],
  },
  {
    resourceType: 'Patient',
    id: 'p5',
    meta: meta('2024-01-05T00:00:00Z'),
    name: [{ family: 'Osman', given: ['Abdul Rahman'] }],
    gender: 'unknown',
  },
];

const code = (c: string): { coding: Array<{ system: string; code: string }> } => ({
  coding: [{ system: LOINC, code: c }],
});

export const observations: FhirResource[] = [
  {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    code: code('8867-4'),
    valueQuantity: { value: 72, unit: 'beats/min', system: UCUM, code: '/min' },
    effectiveDateTime: '2024-01-15T10:00:00+01:00',
  },
  {
    resourceType: 'Observation',
    id: 'o2',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    code: code('29463-7'),
    valueQuantity: { value: 72000, system: UCUM, code: 'g' },
    effectivePeriod: { start: '2024-02-01', end: '2024-02-03' },
  },
  {
    resourceType: 'Observation',
    id: 'o3',
    status: 'preliminary',
    subject: { reference: 'Patient/p2' },
    code: code('29463-7'),
    valueQuantity: { value: 80, system: UCUM, code: 'kg' },
    effectiveDateTime: '2024-02-02',
  },
  {
    resourceType: 'Observation',
    id: 'o4',
    status: 'final',
    subject: { reference: 'Patient/p3' },
    code: code('85354-9'),
    effectiveDateTime: '2023-12-31T23:30:00-02:00',
    component: [
      { code: code('8480-6'), valueQuantity: { value: 120, system: UCUM, code: 'mm[Hg]' } },
      { code: code('8462-4'), valueQuantity: { value: 80, system: UCUM, code: 'mm[Hg]' } },
    ],
  },
  {
    resourceType: 'Observation',
    id: 'o5',
    status: 'final',
    subject: { reference: 'Patient/p4' },
    code: code('2345-7'),
    valueQuantity: { value: 5400, system: UCUM, code: 'ug' },
    effectiveDateTime: '2024',
  },
];

export const others: FhirResource[] = [
  {
    resourceType: 'DiagnosticReport',
    id: 'dr1',
    status: 'final',
    code: code('85354-9'),
    subject: { reference: 'Patient/p3' },
    result: [{ reference: 'Observation/o4' }],
  },
  {
    resourceType: 'Immunization',
    id: 'i1',
    status: 'completed',
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03' }] },
    patient: { reference: 'Patient/p2' },
    occurrenceDateTime: '2023-05-01',
  },
];
