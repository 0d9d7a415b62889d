// The typical resources the REST benchmark writes: an e-PHR Patient and a vital-sign Observation
// (http://hl7.org/fhir/R4/observation-vitalsigns.html), as compact JSON of a fixed size.

/** A migrant's Patient as the e-PHR mapping produces it: identifiers, name, estimated birth date, language. */
export const PATIENT = {
  resourceType: 'Patient',
  meta: { profile: ['http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient'] },
  extension: [
    {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
      extension: [
        { url: 'code', valueCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:3166', code: 'SY' }] } },
      ],
    },
  ],
  identifier: [
    { system: 'http://ephr-fhir.org/fhir/sid/ephr-id', value: 'EPHR-GR-2024-010233' },
    {
      type: { text: 'Asylum registration number' },
      system: 'urn:oid:2.16.300.1.1',
      value: 'GR-AS-77310452',
    },
  ],
  active: true,
  name: [
    { use: 'official', text: 'Amal Al-Hassan', family: 'Al-Hassan', given: ['Amal'] },
    { use: 'usual', text: 'أمل الحسن', family: 'الحسن', given: ['أمل'] },
  ],
  telecom: [{ system: 'phone', value: '+30 690 000 0000', use: 'mobile' }],
  gender: 'female',
  birthDate: '1991',
  _birthDate: {
    extension: [
      { url: 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-birthdate-estimated', valueBoolean: true },
    ],
  },
  address: [
    { use: 'temp', text: 'Reception and Identification Centre, Lesvos', city: 'Mytilene', country: 'GR' },
  ],
  communication: [
    {
      language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'ar-SY' }], text: 'Arabic (Syria)' },
      preferred: true,
    },
  ],
};

/** A blood pressure vital sign with its two components, as taken at a health assessment. */
export const OBSERVATION = {
  resourceType: 'Observation',
  meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
  status: 'final',
  category: [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/observation-category',
          code: 'vital-signs',
          display: 'Vital Signs',
        },
      ],
    },
  ],
  code: {
    coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }],
    text: 'Blood pressure',
  },
  subject: { reference: 'Patient/bench-patient' },
  effectiveDateTime: '2024-03-14T10:32:00+02:00',
  performer: [{ display: 'IOM health assessment team' }],
  component: [
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
      valueQuantity: { value: 128, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] },
      valueQuantity: { value: 84, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  ],
};

export interface BenchResource {
  type: string;
  /** The request body: compact JSON, without id or server meta. */
  json: string;
  bytes: number;
}

export function benchResource(resource: { resourceType: string }): BenchResource {
  const json = JSON.stringify(resource);
  return { type: resource.resourceType, json, bytes: Buffer.byteLength(json) };
}

/**
 * The body of the `n`th create: each identifier value gets the suffix `-n`, as each migrant has a registration number
 * of their own (the server writes an identifier slot per value; 300 Patients with one number are not typical).
 */
export function numbered(json: string, n: number): string {
  const tree = JSON.parse(json) as { identifier?: Array<{ value?: string }> };
  for (const i of tree.identifier ?? []) if (i.value !== undefined) i.value = `${i.value}-${n}`;
  return JSON.stringify(tree);
}
