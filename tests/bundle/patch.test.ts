// PATCH entries in transaction and batch Bundles (http.html#transaction): a Binary holding a JSON Patch or a
// FHIRPath Patch Parameters, applied as the HTTP PATCH applies them, inside the all-or-nothing commit.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const post = (bundle: object) =>
  request(s.url).post('/fhir').set('Content-Type', FHIR).send(JSON.stringify(bundle));
const bundle = (type: string, entry: object[]) => ({ resourceType: 'Bundle', type, entry });
const binary = (ops: object[], contentType = 'application/json-patch+json') => ({
  resourceType: 'Binary',
  contentType,
  data: Buffer.from(JSON.stringify(ops)).toString('base64'),
});
const fhirpathReplace = (path: string, value: object) => ({
  resourceType: 'Parameters',
  parameter: [
    {
      name: 'operation',
      part: [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: path },
        { name: 'value', ...value },
      ],
    },
  ],
});

async function putPatient(id: string, family: string): Promise<void> {
  await request(s.url)
    .put(`/fhir/Patient/${id}`)
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Patient', id, active: true, name: [{ family }] }))
    .expect(201);
}

describe('transaction', () => {
  it('applies a JSON Patch Binary and a FHIRPath Patch Parameters, after the POSTs they may reference', async () => {
    await putPatient('tp1', 'Haddad');
    await putPatient('tp2', 'Karimi');
    const res = await post(
      bundle('transaction', [
        {
          resource: binary([
            { op: 'replace', path: '/name/0/family', value: 'Haddad-Said' },
            { op: 'add', path: '/generalPractitioner', value: [{ reference: 'urn:uuid:gp' }] },
          ]),
          request: { method: 'PATCH', url: 'Patient/tp1' },
        },
        {
          resource: fhirpathReplace('Patient.active', { valueBoolean: false }),
          request: { method: 'PATCH', url: 'Patient/tp2', ifMatch: 'W/"1"' },
        },
        {
          fullUrl: 'urn:uuid:gp',
          resource: { resourceType: 'Practitioner', name: [{ family: 'Nour' }] },
          request: { method: 'POST', url: 'Practitioner' },
        },
      ]),
    ).expect(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
      '200 OK',
      '200 OK',
      '201 Created',
    ]);
    expect(res.body.entry[0].response.etag).toBe('W/"2"');
    const p1 = await request(s.url).get('/fhir/Patient/tp1').expect(200);
    expect(p1.body.name[0].family).toBe('Haddad-Said');
    expect(p1.body.meta.versionId).toBe('2');
    const gp = res.body.entry[2].response.location.split('/').slice(-4, -2).join('/');
    expect(p1.body.generalPractitioner[0].reference).toBe(gp);
    const p2 = await request(s.url).get('/fhir/Patient/tp2').expect(200);
    expect(p2.body.active).toBe(false);
    const hist = await request(s.url).get('/fhir/Patient/tp2/_history').expect(200);
    expect(hist.body.entry).toHaveLength(2);
  });

  it('a stale ifMatch on a PATCH entry fails the whole transaction with 412 and writes nothing', async () => {
    await putPatient('tp3', 'Ahmadi');
    const res = await post(
      bundle('transaction', [
        {
          resource: { resourceType: 'Basic', id: 'tp3-side', code: { text: 'x' } },
          request: { method: 'PUT', url: 'Basic/tp3-side' },
        },
        {
          resource: fhirpathReplace('Patient.active', { valueBoolean: false }),
          request: { method: 'PATCH', url: 'Patient/tp3', ifMatch: 'W/"7"' },
        },
      ]),
    );
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression[0]).toMatch(/^Bundle\.entry\[1\]/);
    expect((await request(s.url).get('/fhir/Basic/tp3-side')).status).toBe(404);
    expect((await request(s.url).get('/fhir/Patient/tp3').expect(200)).body.meta.versionId).toBe('1');
  });

  it('refuses a patch that cannot apply (422), a Binary of another type (415) and an absent target (404)', async () => {
    await putPatient('tp4', 'Yusuf');
    const failing = await post(
      bundle('transaction', [
        {
          resource: binary([{ op: 'replace', path: '/birthDate/nope', value: 'x' }]),
          request: { method: 'PATCH', url: 'Patient/tp4' },
        },
      ]),
    );
    expect(failing.status).toBe(422);
    expect(failing.body.issue[0].expression).toEqual(['Bundle.entry[0]']);
    const invalid = await post(
      bundle('transaction', [
        {
          resource: binary([{ op: 'replace', path: '/gender', value: 'robot' }]),
          request: { method: 'PATCH', url: 'Patient/tp4' },
        },
      ]),
    );
    expect(invalid.status).toBe(422);
    const wrongType = await post(
      bundle('transaction', [
        { resource: binary([], 'text/plain'), request: { method: 'PATCH', url: 'Patient/tp4' } },
      ]),
    );
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.contentType']);
    const absent = await post(
      bundle('transaction', [
        {
          resource: fhirpathReplace('Patient.active', { valueBoolean: false }),
          request: { method: 'PATCH', url: 'Patient/never-there' },
        },
      ]),
    );
    expect(absent.status).toBe(404);
    expect((await request(s.url).get('/fhir/Patient/tp4').expect(200)).body.meta.versionId).toBe('1');
  });

  it('patches the single match of a conditional PATCH', async () => {
    await request(s.url)
      .put('/fhir/Patient/tp5')
      .set('Content-Type', FHIR)
      .send(
        JSON.stringify({
          resourceType: 'Patient',
          id: 'tp5',
          identifier: [{ system: 'urn:test:tp', value: 'tp5' }],
        }),
      )
      .expect(201);
    await post(
      bundle('transaction', [
        {
          resource: binary([{ op: 'add', path: '/active', value: true }]),
          request: { method: 'PATCH', url: 'Patient?identifier=urn:test:tp|tp5' },
        },
      ]),
    ).expect(200);
    expect((await request(s.url).get('/fhir/Patient/tp5').expect(200)).body.active).toBe(true);
  });
});

describe('batch', () => {
  it('runs each PATCH entry on its own: one applies, the stale one answers 412', async () => {
    await putPatient('bp1', 'Osman');
    const res = await post(
      bundle('batch', [
        {
          resource: binary([{ op: 'replace', path: '/active', value: false }]),
          request: { method: 'PATCH', url: 'Patient/bp1' },
        },
        {
          resource: fhirpathReplace('Patient.active', { valueBoolean: true }),
          request: { method: 'PATCH', url: 'Patient/bp1', ifMatch: 'W/"1"' },
        },
        {
          resource: { resourceType: 'Patient', active: true },
          request: { method: 'PATCH', url: 'Patient/bp1' },
        },
      ]),
    ).expect(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
      '200 OK',
      '412 Precondition Failed',
      '400 Bad Request',
    ]);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    const p = await request(s.url).get('/fhir/Patient/bp1').expect(200);
    expect(p.body.active).toBe(false);
    expect(p.body.meta.versionId).toBe('2');
  });
});
