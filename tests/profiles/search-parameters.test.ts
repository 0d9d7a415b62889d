// Our SearchParameters: their FHIRPath expressions evaluate on the valid fixtures to the values a search indexes.
// http://hl7.org/fhir/R4/searchparameter.html
import { fixture, ofType, evaluate, type Json } from './support';

const params = new Map(ofType('SearchParameter').map((sp) => [sp.id as string, sp]));

const full = fixture('valid/patient-full.json');
const minor = fixture('valid/patient-unaccompanied-minor.json');
const minimal = fixture('valid/patient-minimal.json');

/** Token values as system|code (CodeableConcept, Coding) or system|value (Identifier). */
function tokens(values: unknown[]): string[] {
  return values.flatMap((v) => {
    const x = v as Json;
    if (Array.isArray(x.coding)) return (x.coding as Json[]).map((c) => `${c.system as string}|${c.code as string}`);
    if (x.value !== undefined) return [`${x.system as string}|${x.value as string}`];
    return [String(v)];
  });
}

const expected: [string, (r: Json) => string[], Json, string[]][] = [
  ['patient-nationality', (r) => tokens(run('patient-nationality', r)), full, ['urn:iso:std:iso:3166|SY']],
  ['patient-nationality', (r) => tokens(run('patient-nationality', r)), minor, ['urn:iso:std:iso:3166|AF']],
  ['patient-country-of-origin', (r) => tokens(run('patient-country-of-origin', r)), full, ['urn:iso:std:iso:3166|SY']],
  ['patient-country-of-origin', (r) => tokens(run('patient-country-of-origin', r)), minimal, []],
  ['patient-arrival-date', (r) => run('patient-arrival-date', r).map(String), full, ['2023-06-12']],
  ['patient-arrival-date', (r) => run('patient-arrival-date', r).map(String), minor, ['2024-02']],
  [
    'patient-migration-status',
    (r) => tokens(run('patient-migration-status', r)),
    minor,
    ['http://terminology.hl7.org/CodeSystem/v3-RoleCode|CASM'],
  ],
  ['patient-ephr-id', (r) => tokens(run('patient-ephr-id', r)), full, ['http://ephr-fhir.org/fhir/sid/ephr-id|EPHR-GR-2023-004711']],
  ['patient-ephr-id', (r) => tokens(run('patient-ephr-id', r)), minimal, ['http://ephr-fhir.org/fhir/sid/ephr-id|EPHR-IT-2024-000019']],
];

function run(id: string, resource: Json): unknown[] {
  return evaluate(resource, params.get(id)!.expression as string);
}

it.each(expected.map(([id, f, r, want]) => [id, r.id as string, f, r, want] as const))(
  '%s on %s',
  (_id, _rid, f, resource, want) => {
    expect(f(resource)).toEqual(want);
  },
);

it.each([...params.values()].map((sp) => [sp.id as string, sp] as const))('%s is a Patient parameter with a code', (_id, sp) => {
  expect(sp.base).toEqual(['Patient']);
  expect(sp.code).toMatch(/^[a-z][a-z-]*$/);
  expect(sp.expression).toMatch(/^Patient\./);
  expect(['token', 'date']).toContain(sp.type);
});

it('finds nothing on a Patient without the extensions, and does not confuse the registration numbers', () => {
  const bare = { resourceType: 'Patient', identifier: [{ system: 'http://ephr-fhir.org/fhir/sid/registration-number', value: 'x' }] };
  for (const sp of params.values()) expect(evaluate(bare, sp.expression as string)).toEqual([]);
});
