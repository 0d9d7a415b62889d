// Searches over the R4 examples loaded into the embedded FerretDB; expected ids come from reading the
// examples' JSON directly (an oracle independent of the index).
import fs from 'node:fs';
import type { Encounter, FhirResource, Observation, Patient } from 'fhir/r4';
import { executeSearch, parseSearch } from '../../src/search';
import { concreteResourceTypes, R4_PACKAGE_DIR, readPackageFile } from '../../src/fhir/definitions';
import { openTestStore, type TestStore } from './support';

const BASE = 'http://hl7.org/fhir';
let store: TestStore;
const examples = fs
  .readdirSync(R4_PACKAGE_DIR)
  .filter(
    (f) =>
      f.endsWith('.json') &&
      /^(Patient|Observation|Encounter|Condition|Practitioner|Organization|Immunization)-/.test(f),
  )
  .map((f) => readPackageFile<FhirResource>(f))
  .filter((r) => concreteResourceTypes().has(r.resourceType) && r.id);

beforeAll(async () => {
  store = await openTestStore();
  await store.put(examples);
});
afterAll(async () => store.close());

async function all(type: string, query: string): Promise<string[]> {
  const params = [...new URLSearchParams(query), ['_count', '500']] as Array<[string, string]>;
  const req = parseSearch(type, params, { strict: true, baseUrl: BASE, defaultCount: 50, maxCount: 500 });
  return (await executeSearch(store, req)).matches.map((m) => m.id).sort();
}

const expected = <T extends FhirResource>(type: T['resourceType'], keep: (r: T) => boolean): string[] =>
  examples
    .filter((r) => r.resourceType === type && keep(r as T))
    .map((r) => r.id ?? '')
    .sort();

describe('searches over the R4 examples', () => {
  it('Observation?code=http://loinc.org|29463-7 (body weight)', async () => {
    const want = expected<Observation>('Observation', (r) =>
      (r.code.coding ?? []).some((c) => c.system === 'http://loinc.org' && c.code === '29463-7'),
    );
    expect(want.length).toBeGreaterThan(0);
    expect(await all('Observation', 'code=http://loinc.org|29463-7')).toEqual(want);
  });
  it('Observation?subject=Patient/example', async () => {
    const want = expected<Observation>('Observation', (r) => r.subject?.reference === 'Patient/example');
    expect(want.length).toBeGreaterThan(3);
    expect(await all('Observation', 'subject=Patient/example')).toEqual(want);
  });
  it('Patient?family=chalmers and Patient?name=peter', async () => {
    const want = expected<Patient>('Patient', (r) =>
      (r.name ?? []).some((n) => /^chalmers/i.test(n.family ?? '')),
    );
    expect(want).toContain('example');
    expect(await all('Patient', 'family=chalmers')).toEqual(want);
    expect(await all('Patient', 'name=peter')).toContain('example');
  });
  it('Patient?gender=female&birthdate=ge1970', async () => {
    const want = expected<Patient>(
      'Patient',
      (r) => r.gender === 'female' && typeof r.birthDate === 'string' && r.birthDate >= '1970',
    );
    expect(await all('Patient', 'gender=female&birthdate=ge1970')).toEqual(want);
  });
  it('Encounter?subject:Patient.family=chalmers (chain) and Patient?_has:Encounter:subject:status=finished', async () => {
    const chalmers = new Set(
      expected<Patient>('Patient', (r) => (r.name ?? []).some((n) => /^chalmers/i.test(n.family ?? ''))),
    );
    const want = expected<Encounter>('Encounter', (r) =>
      chalmers.has((r.subject?.reference ?? '').replace('Patient/', '')),
    );
    expect(await all('Encounter', 'subject:Patient.family=chalmers')).toEqual(want);
    const patientIds = new Set(expected<Patient>('Patient', () => true));
    const has = [
      ...new Set(
        examples
          .filter((r): r is Encounter => r.resourceType === 'Encounter' && r.status === 'finished')
          .map((r) => r.subject?.reference ?? '')
          .filter((ref) => ref.startsWith('Patient/') && patientIds.has(ref.slice(8)))
          .map((ref) => ref.slice(8)),
      ),
    ].sort();
    expect(await all('Patient', '_has:Encounter:subject:status=finished')).toEqual(has);
  });
  it('Observation?value-quantity=gt100 compares numbers, not strings', async () => {
    const want = expected<Observation>(
      'Observation',
      (r) => typeof r.valueQuantity?.value === 'number' && r.valueQuantity.value > 100,
    );
    expect(await all('Observation', 'value-quantity=gt100')).toEqual(want);
  });
});
