// A Synthea-style patient record (one Patient, several hundred entries linked by urn:uuid) loads in one transaction
// through fhir-kit-client, and a clinic's searches find everything in it (issue 6, point 9).
import crypto from 'node:crypto';
import request from 'supertest';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4';
import { fhirClient } from '../support/fhir-client';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const LOINC = 'http://loinc.org';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const SNOMED = 'http://snomed.info/sct';
const MRN = 'urn:oid:2.16.840.1.113883.19.5';
const VITALS = [
  { code: '8867-4', unit: '/min', base: 70 },
  { code: '8310-5', unit: 'Cel', base: 36.6 },
  { code: '29463-7', unit: 'kg', base: 68 },
  { code: '8302-2', unit: 'cm', base: 172 },
  { code: '9279-1', unit: '/min', base: 16 },
  { code: '2708-6', unit: '%', base: 97 },
];
const VACCINES = ['08', '10', '20', '03', '62'];

/** A deterministic record: 12 yearly encounters, each with 6 vital signs x 4 readings, a vaccine and a condition. */
function syntheaRecord(): { bundle: Bundle; counts: Record<string, number> } {
  const uuid = () => `urn:uuid:${crypto.randomUUID()}`;
  const entries: BundleEntry[] = [];
  const add = (resource: FhirResource): string => {
    const fullUrl = uuid();
    entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return fullUrl;
  };
  const patient = add({
    resourceType: 'Patient',
    identifier: [{ system: MRN, value: 'SYN-000042' }],
    name: [{ family: 'Abdirahman', given: ['Halima'] }],
    gender: 'female',
    birthDate: '1990-04-12',
  });
  for (let year = 2013; year < 2025; year++) {
    const start = `${year}-03-15T09:00:00+01:00`;
    const encounter = add({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: patient },
      period: { start, end: `${year}-03-15T09:30:00+01:00` },
    });
    for (const [i, v] of VITALS.entries()) {
      for (let k = 0; k < 4; k++) {
        add({
          resourceType: 'Observation',
          status: 'final',
          category: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
              ],
            },
          ],
          code: { coding: [{ system: LOINC, code: v.code }] },
          subject: { reference: patient },
          encounter: { reference: encounter },
          effectiveDateTime: `${year}-03-15T09:${String(10 + k).padStart(2, '0')}:00+01:00`,
          valueQuantity: {
            value: v.base + i + k,
            unit: v.unit,
            system: 'http://unitsofmeasure.org',
            code: v.unit,
          },
        });
      }
    }
    add({
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: { coding: [{ system: CVX, code: VACCINES[year % VACCINES.length]! }] },
      patient: { reference: patient },
      encounter: { reference: encounter },
      occurrenceDateTime: start,
    });
    add({
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
      },
      code: { coding: [{ system: SNOMED, code: year % 2 ? '444814009' : '195662009' }] },
      subject: { reference: patient },
      encounter: { reference: encounter },
      onsetDateTime: start,
    });
  }
  const counts: Record<string, number> = {};
  for (const e of entries) counts[e.resource!.resourceType] = (counts[e.resource!.resourceType] ?? 0) + 1;
  return { bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries }, counts };
}

const total = async (query: string): Promise<number> =>
  (
    await request(s.url)
      .get(`/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`)
      .expect(200)
  ).body.total as number;

describe('a Synthea-style patient record', () => {
  const { bundle, counts } = syntheaRecord();
  let patientId = '';

  it('loads in one transaction (fhir-kit-client) with every urn:uuid reference rewritten', async () => {
    expect(bundle.entry!.length).toBeGreaterThan(300);
    const client = await fhirClient(s.base);
    const response = (await client.transaction({ body: bundle as never })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry).toHaveLength(bundle.entry!.length);
    expect(response.entry!.every((e) => e.response?.status?.startsWith('201'))).toBe(true);
    // locations are absolute: <base>/Type/id/_history/1
    const target = (i: number): string =>
      response.entry![i]!.response!.location!.split('/fhir/')[1]!.split('/_history')[0]!;
    patientId = target(0).split('/')[1]!;
    const obs = await request(s.url)
      .get(`/fhir/${target(2)}`)
      .expect(200);
    expect(obs.body.subject.reference).toBe(`Patient/${patientId}`);
    expect(obs.body.encounter.reference).toMatch(/^Encounter\/[^/]+$/);
  });

  it('the searches find everything in it', async () => {
    const subject = `Patient/${patientId}`;
    expect(await total(`Patient?identifier=${MRN}|SYN-000042`)).toBe(1);
    expect(await total('Patient?family=abdirah&birthdate=1990-04')).toBe(1);
    expect(await total(`Encounter?subject=${subject}`)).toBe(counts.Encounter);
    expect(await total(`Observation?subject=${subject}`)).toBe(counts.Observation);
    expect(await total(`Observation?patient=${patientId}&code=${LOINC}|8867-4`)).toBe(12 * 4);
    expect(await total(`Observation?subject=${subject}&code=${LOINC}|8867-4&date=ge2020-01-01`)).toBe(5 * 4);
    expect(await total(`Observation?subject=${subject}&code=${LOINC}|8867-4&date=2024-03-15`)).toBe(4);
    expect(await total(`Observation?subject=${subject}&code-value-quantity=${LOINC}|8867-4$gt72`)).toBe(12);
    expect(await total(`Immunization?patient=${subject}`)).toBe(counts.Immunization);
    expect(await total(`Immunization?patient=${subject}&vaccine-code=${CVX}|08`)).toBe(
      [2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024].filter((y) => y % 5 === 0)
        .length,
    );
    expect(await total(`Condition?patient=${subject}&code=${SNOMED}|444814009`)).toBe(6);
    expect(await total(`Observation?subject:Patient.identifier=${MRN}|SYN-000042&code=${LOINC}|2708-6`)).toBe(
      48,
    );
    expect(await total(`Patient?_has:Immunization:patient:vaccine-code=${CVX}|62`)).toBe(1);
    expect(await total(`Patient/${patientId}/Condition`)).toBe(counts.Condition);
  });

  it('pages through all Observations with _include, neither repeating nor skipping', async () => {
    const seen = new Set<string>();
    let encounters = 0;
    let next: string | undefined =
      `${s.base}/Observation?subject=Patient/${patientId}&_include=Observation:encounter&_sort=date&_count=50`;
    while (next) {
      const page: request.Response = await request(next).get('').expect(200);
      for (const e of page.body.entry as Array<{ resource: FhirResource; search: { mode: string } }>) {
        if (e.search.mode === 'include') encounters++;
        else {
          expect(seen.has(e.resource.id!)).toBe(false);
          seen.add(e.resource.id!);
        }
      }
      next = (page.body.link as Array<{ relation: string; url: string }>).find(
        (l) => l.relation === 'next',
      )?.url;
    }
    expect(seen.size).toBe(counts.Observation);
    expect(encounters).toBeGreaterThanOrEqual(counts.Encounter!);
  });
});
