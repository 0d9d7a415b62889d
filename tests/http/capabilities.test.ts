// The CapabilityStatement lists exactly what the server does (issue 2 point 6, issue 3 point 14), and the server's
// own R4 validator accepts it.
import request from 'supertest';
import type { CapabilityStatement, CapabilityStatementRestResource, OperationOutcome } from 'fhir/r4';
import { concreteResourceTypes } from '../../src/fhir/definitions';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let cs: CapabilityStatement;
beforeAll(async () => {
  s = await startTestServer();
  cs = (await request(s.url).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const CONFORMANCE = [
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'SearchParameter',
  'OperationDefinition',
];
const WRITES = ['create', 'update', 'patch', 'delete'];
const of = (type: string): CapabilityStatementRestResource => {
  const r = cs.rest![0]!.resource!.find((x) => x.type === type);
  if (!r) throw new Error(`${type} is not listed`);
  return r;
};
const codes = (type: string) => (of(type).interaction ?? []).map((i) => i.code).sort();

describe('per type', () => {
  it('lists every concrete R4 type once', () => {
    const listed = cs.rest![0]!.resource!.map((r) => r.type);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...concreteResourceTypes()].sort());
  });

  it.each(CONFORMANCE)(
    '%s is read-only: read and search, no versions, and writes answer 405',
    async (type) => {
      expect(codes(type)).toEqual(['read', 'search-type']);
      expect(of(type)).toMatchObject({
        versioning: 'no-version',
        readHistory: false,
        updateCreate: false,
        conditionalCreate: false,
        conditionalUpdate: false,
        conditionalDelete: 'not-supported',
        conditionalRead: 'not-supported',
      });
      expect((of(type).searchParam ?? []).map((p) => p.name).sort()).toEqual(
        expect.arrayContaining(['_id', 'url']),
      );
      for (const p of of(type).searchParam ?? []) expect(['url', '_id', 'name', 'status']).toContain(p.name);
      const body = JSON.stringify({ resourceType: type, id: 'x', status: 'draft' });
      await request(s.url).post(`/fhir/${type}`).set('Content-Type', FHIR).send(body).expect(405);
      await request(s.url).put(`/fhir/${type}/x`).set('Content-Type', FHIR).send(body).expect(405);
      await request(s.url).delete(`/fhir/${type}/x`).expect(405);
    },
  );

  it('a stored type lists every interaction with the conditional and versioning values it honours', () => {
    for (const type of ['Patient', 'Observation', 'Questionnaire', 'Basic']) {
      expect(codes(type)).toEqual(
        [...WRITES, 'read', 'vread', 'history-instance', 'history-type', 'search-type'].sort(),
      );
      expect(of(type)).toMatchObject({
        versioning: 'versioned-update',
        readHistory: true,
        updateCreate: true,
        conditionalCreate: true,
        conditionalUpdate: true,
        conditionalDelete: 'single',
        conditionalRead: 'full-support',
      });
    }
  });

  it('the behaviour behind those values: If-None-Match, If-Modified-Since, If-None-Exist, update-as-create, If-Match, conditional update and delete, vread', async () => {
    const patient = (family: string) =>
      JSON.stringify({
        resourceType: 'Patient',
        identifier: [{ system: 'urn:cap-test', value: 'c1' }],
        name: [{ family }],
      });
    const first = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .set('If-None-Exist', 'identifier=urn:cap-test|c1')
      .send(patient('A'))
      .expect(201);
    const again = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .set('If-None-Exist', 'identifier=urn:cap-test|c1')
      .send(patient('B'))
      .expect(200);
    expect(again.body.id).toBe(first.body.id);
    const id = first.body.id as string;
    const read = await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
    await request(s.url).get(`/fhir/Patient/${id}`).set('If-None-Match', read.headers.etag!).expect(304);
    await request(s.url)
      .get(`/fhir/Patient/${id}`)
      .set('If-Modified-Since', read.headers['last-modified']!)
      .expect(304);
    await request(s.url)
      .put('/fhir/Patient?identifier=urn:cap-test|c1')
      .set('Content-Type', FHIR)
      .send(patient('C'))
      .expect(200);
    await request(s.url)
      .put(`/fhir/Patient/${id}`)
      .set('Content-Type', FHIR)
      .set('If-Match', 'W/"1"')
      .send(JSON.stringify({ ...JSON.parse(patient('D')), id }))
      .expect(412);
    expect((await request(s.url).get(`/fhir/Patient/${id}/_history/1`).expect(200)).body.name[0].family).toBe(
      'A',
    );
    await request(s.url)
      .put('/fhir/Patient/cap-new')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id: 'cap-new' }))
      .expect(201);
    await request(s.url).delete('/fhir/Patient?identifier=urn:cap-test|c1').expect(200);
    await request(s.url).get(`/fhir/Patient/${id}`).expect(410);
  });

  it('lists the system interactions and operations', () => {
    expect((cs.rest![0]!.interaction ?? []).map((i) => i.code).sort()).toEqual(
      ['batch', 'history-system', 'search-system', 'transaction'].sort(),
    );
    expect(cs.rest![0]!.operation?.map((o) => o.name)).toEqual(['import-ephr']);
  });
});

describe("the server's own R4 validator", () => {
  const validate = (resource: object) =>
    request(s.url)
      .post('/fhir/CapabilityStatement/$validate')
      .set('Content-Type', FHIR)
      .send(JSON.stringify(resource));
  const errors = (oo: OperationOutcome) =>
    oo.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal');

  it('says how to get a token: SMART-on-FHIR, with token and authorize URLs that answer', async () => {
    const security = cs.rest![0]!.security!;
    expect(security.service?.[0]?.coding?.[0]?.code).toBe('SMART-on-FHIR');
    const uris = security.extension?.find((e) => e.url.endsWith('/oauth-uris'))?.extension ?? [];
    const token = uris.find((e) => e.url === 'token')?.valueUri;
    const authorize = uris.find((e) => e.url === 'authorize')?.valueUri;
    expect(token).toBe(`${s.url}/oauth/token`);
    // the token endpoint answers a POST without a grant with an OAuth error, not 404
    const t = await fetch(token!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(t.status).toBe(400);
    const a = await fetch(authorize!, { redirect: 'manual' });
    expect(a.status).not.toBe(404);
  });

  it('accepts the CapabilityStatement', async () => {
    const res = await validate(cs).expect(200);
    expect(errors(res.body as OperationOutcome)).toEqual([]);
  });

  it('refuses a broken one (the check can fail)', async () => {
    const broken = JSON.parse(JSON.stringify(cs)) as Record<string, unknown> & CapabilityStatement;
    (broken as { status: string }).status = 'nonsense';
    (broken.rest![0]!.resource![0] as { versioning: string }).versioning = 'sometimes';
    const res = await validate(broken).expect(200);
    const found = errors(res.body as OperationOutcome).map((i) => i.expression?.[0]);
    expect(found).toEqual(
      expect.arrayContaining([
        'CapabilityStatement.status',
        'CapabilityStatement.rest[0].resource[0].versioning',
      ]),
    );
  });
});
