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

  it.each(['/fhir/StructureDefinition/_history', '/fhir/ValueSet/countries/_history'])(
    'answers GET %s (no history is kept of conformance resources) with 405 and an OperationOutcome',
    async (path) => {
      const res = await request(s.url).get(path);
      expect([res.status, res.body.resourceType]).toEqual([405, 'OperationOutcome']);
      expect(res.body.issue[0].diagnostics).toMatch(/have no history/);
    },
  );

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

  interface SearchParam {
    name: string;
    type: string;
    definition?: string;
  }
  interface RestResource {
    type: string;
    searchParam?: SearchParam[];
    searchInclude?: string[];
    searchRevInclude?: string[];
  }

  it.each([
    ['Patient', 'birthdate', 'date', 'http://hl7.org/fhir/SearchParameter/individual-birthdate'],
    ['Patient', 'family', 'string', 'http://hl7.org/fhir/SearchParameter/individual-family'],
    ['Patient', 'phonetic', 'string', 'http://hl7.org/fhir/SearchParameter/individual-phonetic'],
    ['Patient', 'identifier', 'token', 'http://hl7.org/fhir/SearchParameter/Patient-identifier'],
    [
      'Patient',
      'general-practitioner',
      'reference',
      'http://hl7.org/fhir/SearchParameter/Patient-general-practitioner',
    ],
    ['Patient', 'ephr-id', 'token', 'http://ephr-fhir.org/fhir/SearchParameter/patient-ephr-id'],
    [
      'Patient',
      'country-of-origin',
      'token',
      'http://ephr-fhir.org/fhir/SearchParameter/patient-country-of-origin',
    ],
    ['Patient', 'arrival-date', 'date', 'http://ephr-fhir.org/fhir/SearchParameter/patient-arrival-date'],
    ['Observation', 'code', 'token', 'http://hl7.org/fhir/SearchParameter/clinical-code'],
    ['Observation', 'subject', 'reference', 'http://hl7.org/fhir/SearchParameter/Observation-subject'],
    [
      'Observation',
      'value-quantity',
      'quantity',
      'http://hl7.org/fhir/SearchParameter/Observation-value-quantity',
    ],
    [
      'Observation',
      'code-value-quantity',
      'composite',
      'http://hl7.org/fhir/SearchParameter/Observation-code-value-quantity',
    ],
    ['Observation', 'date', 'date', 'http://hl7.org/fhir/SearchParameter/clinical-date'],
    [
      'RiskAssessment',
      'probability',
      'number',
      'http://hl7.org/fhir/SearchParameter/RiskAssessment-probability',
    ],
    ['ValueSet', 'url', 'uri', 'http://hl7.org/fhir/SearchParameter/conformance-url'],
    ['Location', 'near', 'special', 'http://hl7.org/fhir/SearchParameter/Location-near'],
  ])('lists %s %s as a %s search parameter with its definition', async (type, name, paramType, url) => {
    const cs = await request(s.url).get('/fhir/metadata').expect(200);
    const resource = (cs.body.rest[0].resource as RestResource[]).find((r) => r.type === type);
    const params = (resource?.searchParam ?? []).filter((p) => p.name === name);
    expect(params).toEqual([{ name, type: paramType, definition: url }]);
  });

  it('names each search parameter once per type, with a search parameter type of R4', async () => {
    const cs = await request(s.url).get('/fhir/metadata').expect(200);
    const types = new Set([
      'number',
      'date',
      'string',
      'token',
      'reference',
      'composite',
      'quantity',
      'uri',
      'special',
    ]);
    for (const r of cs.body.rest[0].resource as RestResource[]) {
      const names = (r.searchParam ?? []).map((p) => p.name);
      expect([r.type, new Set(names).size]).toEqual([r.type, names.length]);
      for (const p of r.searchParam ?? [])
        expect([r.type, p.name, types.has(p.type)]).toEqual([r.type, p.name, true]);
    }
  });

  it('lists _include values that are the reference parameters of the type, and _revinclude', async () => {
    const cs = await request(s.url).get('/fhir/metadata').expect(200);
    const resources = cs.body.rest[0].resource as RestResource[];
    const obs = resources.find((r) => r.type === 'Observation');
    expect(obs?.searchInclude).toEqual(
      expect.arrayContaining(['*', 'Observation:subject', 'Observation:patient', 'Observation:encounter']),
    );
    expect(obs?.searchInclude).not.toContain('Observation:code');
    const patient = resources.find((r) => r.type === 'Patient');
    expect(patient?.searchInclude).toEqual(
      expect.arrayContaining(['Patient:general-practitioner', 'Patient:organization', 'Patient:link']),
    );
    for (const r of resources) {
      const refs = new Set(
        (r.searchParam ?? []).filter((p) => p.type === 'reference').map((p) => `${r.type}:${p.name}`),
      );
      for (const inc of r.searchInclude ?? [])
        if (inc !== '*') expect([inc, refs.has(inc)]).toEqual([inc, true]);
    }
    // stored types can be reached from any reference: _revinclude takes any Type:param, and *
    for (const r of [obs, patient]) expect(r?.searchRevInclude).toContain('*');
  });
});
