// References inside transaction Bundles (http.html#trules, bundle.html#references): conditional references,
// conditional creates that later entries reference, urn:oid:, relative and absolute fullUrls.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const post = (entry: object[]) =>
  request(s.url)
    .post('/fhir')
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
const idOf = (location: string): string => location.split('/').slice(-4, -2).join('/');
const SYS = 'urn:test:refs';

async function patientWith(value: string): Promise<string> {
  const res = await request(s.url)
    .post('/fhir/Patient')
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Patient', identifier: [{ system: SYS, value }] }))
    .expect(201);
  return idOf(res.headers.location as string);
}

const observationOf = (reference: string, tag: string) => ({
  resource: {
    resourceType: 'Observation',
    meta: { tag: [{ system: SYS, code: tag }] },
    status: 'final',
    code: { text: tag },
    subject: { reference },
  },
  request: { method: 'POST', url: 'Observation' },
});

async function tagged(tag: string): Promise<number> {
  const res = await request(s.url).get(`/fhir/Observation?_tag=${SYS}|${tag}`).expect(200);
  return (res.body.entry ?? []).length;
}

describe('conditional references', () => {
  it('resolve to the single match', async () => {
    const patient = await patientWith('one');
    const res = await post([observationOf(`Patient?identifier=${SYS}|one`, 'cr1')]).expect(200);
    const obs = await request(s.url)
      .get(`/fhir/${idOf(res.body.entry[0].response.location)}`)
      .expect(200);
    expect(obs.body.subject.reference).toBe(patient);
  });

  it('with no match fail the transaction with 400, located at the reference', async () => {
    const res = await post([observationOf(`Patient?identifier=${SYS}|nobody`, 'cr0')]);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.subject.reference']);
    expect(await tagged('cr0')).toBe(0);
  });

  it('with several matches fail the transaction with 412', async () => {
    await patientWith('twice');
    await patientWith('twice');
    const res = await post([observationOf(`Patient?identifier=${SYS}|twice`, 'cr2')]);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.subject.reference']);
    expect(await tagged('cr2')).toBe(0);
  });
});

describe('conditional create (ifNoneExist) referenced by a later entry', () => {
  const conditionalPatient = (value: string) => ({
    fullUrl: 'urn:uuid:9e1f4d2c-1111-4000-8000-00000000000a',
    resource: { resourceType: 'Patient', identifier: [{ system: SYS, value }] },
    request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYS}|${value}` },
  });

  it('points the reference at the existing match, creating nothing', async () => {
    const existing = await patientWith('known');
    const res = await post([
      conditionalPatient('known'),
      observationOf('urn:uuid:9e1f4d2c-1111-4000-8000-00000000000a', 'ine1'),
    ]).expect(200);
    expect(res.body.entry[0].response.status).toBe('200 OK');
    expect(idOf(res.body.entry[0].response.location)).toBe(existing);
    const obs = await request(s.url)
      .get(`/fhir/${idOf(res.body.entry[1].response.location)}`)
      .expect(200);
    expect(obs.body.subject.reference).toBe(existing);
    const all = await request(s.url).get(`/fhir/Patient?identifier=${SYS}|known`).expect(200);
    expect(all.body.entry).toHaveLength(1);
  });

  it('points the reference at the resource it creates', async () => {
    const res = await post([
      observationOf('urn:uuid:9e1f4d2c-1111-4000-8000-00000000000a', 'ine2'),
      conditionalPatient('new'),
    ]).expect(200);
    expect(res.body.entry[1].response.status).toBe('201 Created');
    const created = idOf(res.body.entry[1].response.location);
    const obs = await request(s.url)
      .get(`/fhir/${idOf(res.body.entry[0].response.location)}`)
      .expect(200);
    expect(obs.body.subject.reference).toBe(created);
    const found = await request(s.url).get(`/fhir/Patient?identifier=${SYS}|new`).expect(200);
    expect(found.body.entry.map((e: { resource: { id: string } }) => `Patient/${e.resource.id}`)).toEqual([
      created,
    ]);
  });
});

describe('fullUrls', () => {
  it('urn:oid: fullUrls are rewritten like urn:uuid: ones, and an unknown urn:oid: is an error', async () => {
    const res = await post([
      observationOf('urn:oid:1.2.3.4.5.6', 'oid1'),
      {
        fullUrl: 'urn:oid:1.2.3.4.5.6',
        resource: { resourceType: 'Patient', name: [{ family: 'Oid' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    ]).expect(200);
    const obs = await request(s.url)
      .get(`/fhir/${idOf(res.body.entry[0].response.location)}`)
      .expect(200);
    expect(obs.body.subject.reference).toBe(idOf(res.body.entry[1].response.location));
    const dangling = await post([observationOf('urn:oid:1.2.3.9', 'oid2')]);
    expect(dangling.status).toBe(400);
    expect(await tagged('oid2')).toBe(0);
  });

  it('a relative fullUrl is matched by the same relative reference and by the absolute one on our base', async () => {
    const res = await post([
      observationOf('Patient/rel-a', 'rel1'),
      observationOf(`${s.base}/Patient/rel-a`, 'rel1'),
      {
        fullUrl: 'Patient/rel-a',
        resource: { resourceType: 'Patient', name: [{ family: 'Relative' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    ]).expect(200);
    const created = idOf(res.body.entry[2].response.location);
    expect(created).not.toBe('Patient/rel-a');
    for (const i of [0, 1]) {
      const obs = await request(s.url)
        .get(`/fhir/${idOf(res.body.entry[i].response.location)}`)
        .expect(200);
      expect(obs.body.subject.reference).toBe(created);
    }
  });

  it('relative references resolve against the base of an absolute fullUrl (bundle.html#references)', async () => {
    const other = 'http://example.org/fhir';
    const res = await post([
      { fullUrl: `${other}/Observation/o1`, ...observationOf('Patient/123', 'abs1') },
      { fullUrl: `${other}/Observation/o2`, ...observationOf(`${other}/Patient/123`, 'abs1') },
      // No fullUrl: resolved against this server's base, where Patient/123 is not the entry below.
      observationOf('Patient/123', 'abs1'),
      // Another base: http://elsewhere.example/fhir/Patient/123 is not the entry below either.
      { fullUrl: 'http://elsewhere.example/fhir/Observation/o3', ...observationOf('Patient/123', 'abs1') },
      {
        fullUrl: `${other}/Patient/123`,
        resource: { resourceType: 'Patient', name: [{ family: 'Absolute' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    ]).expect(200);
    const created = idOf(res.body.entry[4].response.location);
    const subjects: string[] = [];
    for (const i of [0, 1, 2, 3]) {
      const obs = await request(s.url)
        .get(`/fhir/${idOf(res.body.entry[i].response.location)}`)
        .expect(200);
      subjects.push(obs.body.subject.reference as string);
    }
    expect(subjects).toEqual([created, created, 'Patient/123', 'Patient/123']);
  });
});

it('the CapabilityStatement lists transaction and batch among the system interactions', async () => {
  const res = await request(s.url).get('/fhir/metadata').expect(200);
  const codes = (res.body.rest[0].interaction as Array<{ code: string }>).map((i) => i.code);
  expect(codes).toEqual(expect.arrayContaining(['transaction', 'batch']));
});
