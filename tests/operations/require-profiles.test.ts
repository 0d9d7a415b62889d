// REQUIRE_PROFILES: every write of a type must conform to the profiles the server names for it, claimed or not.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4';
import { projectRoot } from '../../src/project-root';
import { startTestServer, type TestServer } from '../support/server';

const FHIR = 'application/fhir+json';
const EPHR_PATIENT = 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient';
const fixture = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'fixtures/profiles', file), 'utf8')) as Record<
    string,
    unknown
  >;
/** A conforming Patient as a client that does not claim our profile sends it. */
const conforming = (): Record<string, unknown> => {
  const p = fixture('valid/patient-minimal.json');
  delete p.meta;
  return p;
};
const errors = (oo: OperationOutcome): string[] =>
  oo.issue
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.expression?.join() ?? ''}: ${i.diagnostics ?? ''}`);

describe('a server started with REQUIRE_PROFILES=Patient=<ephr-patient>', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ REQUIRE_PROFILES: `Patient=${EPHR_PATIENT}` });
  });
  afterAll(() => s.close());
  const count = async (type: string): Promise<number> =>
    (await request(s.url).get(`/fhir/${type}?_summary=count`).expect(200)).body.total as number;
  const create = (body: unknown) =>
    request(s.url)
      .post(`/fhir/${String((body as { resourceType: string }).resourceType)}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify(body));

  it('refuses a plain Patient with 422, naming the profile, and stores nothing', async () => {
    const before = await count('Patient');
    const res = await create({ resourceType: 'Patient', gender: 'female' });
    expect(res.status).toBe(422);
    const found = errors(res.body);
    expect(found.some((e) => e.startsWith('Patient.identifier'))).toBe(true);
    expect(
      found.some((e) => e.startsWith(`Patient: Patient does not conform to the profile ${EPHR_PATIENT}`)),
    ).toBe(true);
    expect(await count('Patient')).toBe(before);
  });

  it('stores a conforming Patient that does not claim the profile (201)', async () => {
    const res = await create(conforming());
    expect([res.status, res.body.resourceType]).toEqual([201, 'Patient']);
    await request(s.url)
      .get(`/fhir/Patient/${res.body.id as string}`)
      .expect(200);
  });

  it('holds updates to it too: a PUT of a plain Patient is refused and the stored version stays', async () => {
    const created = await create(conforming()).expect(201);
    const id = created.body.id as string;
    const res = await request(s.url)
      .put(`/fhir/Patient/${id}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id, gender: 'male' }));
    expect(res.status).toBe(422);
    const read = await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
    expect([read.body.meta.versionId, read.body.gender]).toEqual(['1', 'unknown']);
  });

  it('$validate applies it as well', async () => {
    const res = await request(s.url)
      .post('/fhir/Patient/$validate')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', gender: 'female' }))
      .expect(200);
    expect(errors(res.body).some((e) => e.includes(EPHR_PATIENT))).toBe(true);
  });

  it('leaves other types alone', async () => {
    await create({ resourceType: 'Practitioner', name: [{ family: 'Haddad' }] }).expect(201);
  });
});

describe('REQUIRE_PROFILES naming a profile the server cannot apply stops the start', () => {
  it.each([
    [
      'an unknown profile',
      'Patient=http://example.org/StructureDefinition/nothing',
      /not a profile this server knows/,
    ],
    [
      'a profile of another type',
      'Encounter=http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient',
      /is a profile of Patient, not of Encounter/,
    ],
  ])('%s', async (_name, value, message) => {
    await expect(startTestServer({ REQUIRE_PROFILES: value })).rejects.toThrow(message);
  });
});
