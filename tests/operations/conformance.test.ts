// Conformance resources: ours (profiles/) and the R4 core ones served read-only; the GBV Questionnaire stored at
// start; the CapabilityStatement lists the profiles and operations.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const EPHR_PATIENT = 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient';
const GBV_QUESTIONNAIRE = 'http://ephr-fhir.org/fhir/Questionnaire/gbv-clinical-enquiry';

describe('conformance resources', () => {
  it('reads our profile by id and finds it by url', async () => {
    const read = await request(s.url).get('/fhir/StructureDefinition/ephr-patient').expect(200);
    expect([read.body.resourceType, read.body.url]).toEqual(['StructureDefinition', EPHR_PATIENT]);
    const found = await request(s.url).get(`/fhir/StructureDefinition?url=${EPHR_PATIENT}`).expect(200);
    expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      'ephr-patient',
    ]);
  });

  it('finds an R4 core definition by canonical url and reads it by id', async () => {
    const url = 'http://hl7.org/fhir/StructureDefinition/Patient';
    const found = await request(s.url).get(`/fhir/StructureDefinition?url=${url}`).expect(200);
    expect(found.body.total).toBe(1);
    expect(found.body.entry[0].resource.url).toBe(url);
    const vs = await request(s.url).get(
      '/fhir/ValueSet?url=http://hl7.org/fhir/ValueSet/administrative-gender',
    );
    expect(vs.body.entry[0].resource.id).toBe('administrative-gender');
    await request(s.url).get('/fhir/StructureDefinition/Observation').expect(200);
    await request(s.url).get('/fhir/StructureDefinition/not-a-definition').expect(404);
  });

  it('searches our CodeSystems by name and our SearchParameters', async () => {
    const cs = await request(s.url).get('/fhir/CodeSystem?name=Gbv').expect(200);
    expect(cs.body.total).toBeGreaterThan(3);
    const sp = await request(s.url).get('/fhir/SearchParameter?_id=patient-ephr-id').expect(200);
    expect(sp.body.entry[0].resource.code).toBeDefined();
  });

  it.each([
    ['POST', '/fhir/StructureDefinition'],
    ['PUT', '/fhir/StructureDefinition/ephr-patient'],
    ['DELETE', '/fhir/ValueSet/countries'],
    ['PUT', '/fhir/Questionnaire/gbv-clinical-enquiry'],
    ['DELETE', '/fhir/Questionnaire/gbv-clinical-enquiry'],
  ])('refuses %s %s with 405 and an OperationOutcome', async (method, path) => {
    const req = request(s.url)[method.toLowerCase() as 'post' | 'put' | 'delete'](path);
    const res = await req
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: path.split('/')[2], id: path.split('/')[3], status: 'draft' }));
    expect([res.status, res.body.resourceType]).toEqual([405, 'OperationOutcome']);
  });

  it('stores the GBV Questionnaire so clinics read and search it', async () => {
    const read = await request(s.url).get('/fhir/Questionnaire/gbv-clinical-enquiry').expect(200);
    expect(read.body.url).toBe(GBV_QUESTIONNAIRE);
    const found = await request(s.url).get(`/fhir/Questionnaire?url=${GBV_QUESTIONNAIRE}`).expect(200);
    expect(found.body.total).toBe(1);
  });
});

describe('CapabilityStatement', () => {
  it('lists supported profiles, $validate per type and $import-ephr with its OperationDefinition', async () => {
    const cs = await request(s.url).get('/fhir/metadata').expect(200);
    const rest = cs.body.rest[0];
    const patient = rest.resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.supportedProfile).toContain(EPHR_PATIENT);
    expect(patient.operation.map((o: { name: string }) => o.name)).toContain('validate');
    const op = rest.operation.find((o: { name: string }) => o.name === 'import-ephr');
    expect(op.definition).toMatch(/OperationDefinition\/import-ephr$/);
    const def = await request(s.url).get('/fhir/OperationDefinition/import-ephr').expect(200);
    expect([def.body.code, def.body.system]).toEqual(['import-ephr', true]);
  });
});
