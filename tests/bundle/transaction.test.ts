// Transaction Bundles: reference rewriting, order, all or nothing, preconditions, limits (issue 6).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ MAX_BUNDLE_ENTRIES: '50' });
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const postBundle = (bundle: object, prefer?: string) => {
  const r = request(s.url).post('/fhir').set('Content-Type', FHIR);
  if (prefer) r.set('Prefer', prefer);
  // JSON.stringify would print 61.50 as 61.5: the wire text keeps the trailing zero the server must preserve.
  return r.send(JSON.stringify(bundle).replace('"value":61.5,', '"value":61.50,'));
};
const tx = (entry: object[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const pid = 'urn:uuid:5a1c2b3d-0000-4000-8000-000000000001';

function record(tag: string) {
  return tx([
    {
      fullUrl: `urn:uuid:${tag}-obs`,
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
        subject: { reference: pid },
        encounter: { reference: `urn:uuid:${tag}-enc` },
        valueQuantity: { value: 61.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      },
      request: { method: 'POST', url: 'Observation' },
    },
    {
      fullUrl: pid,
      resource: {
        resourceType: 'Patient',
        name: [{ family: 'Tesfaye' }],
        extension: [{ url: 'http://example.org/x', valueReference: { reference: `urn:uuid:${tag}-enc` } }],
      },
      request: { method: 'POST', url: 'Patient' },
    },
    {
      fullUrl: `urn:uuid:${tag}-enc`,
      resource: {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: pid },
        contained: [
          { resourceType: 'Condition', id: 'c', code: { text: 'cough' }, subject: { reference: pid } },
        ],
        diagnosis: [{ condition: { reference: '#c' } }],
      },
      request: { method: 'POST', url: 'Encounter' },
    },
    {
      fullUrl: `${'http://elsewhere.example/fhir'}/Basic/${tag}`,
      resource: { resourceType: 'Basic', id: tag, code: { text: 'put' }, subject: { reference: pid } },
      request: { method: 'PUT', url: `Basic/${tag}` },
    },
  ]);
}

it('stores every entry and rewrites references to the assigned ids everywhere', async () => {
  const res = await postBundle(record('t1')).expect(200);
  expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
  const [obs, pat, enc, basic] = res.body.entry;
  expect([obs, pat, enc, basic].map((e: { response: { status: string } }) => e.response.status)).toEqual([
    '201 Created',
    '201 Created',
    '201 Created',
    '201 Created',
  ]);
  for (const e of res.body.entry) {
    expect(e.response.location).toMatch(/\/_history\/1$/);
    expect(e.response.etag).toBe('W/"1"');
    expect(Date.parse(e.response.lastModified)).toBeGreaterThan(0);
    expect(e.resource).toBeUndefined();
  }
  const patientRef = pat.response.location.split('/').slice(-4, -2).join('/');
  const encRef = enc.response.location.split('/').slice(-4, -2).join('/');
  const o = await request(s.url)
    .get(`/fhir/${obs.response.location.split('/').slice(-4, -2).join('/')}`)
    .expect(200);
  expect(o.body.subject.reference).toBe(patientRef);
  expect(o.body.encounter.reference).toBe(encRef);
  expect(o.text).toContain('"value":61.50');
  const e = await request(s.url).get(`/fhir/${encRef}`).expect(200);
  expect(e.body.contained[0].subject.reference).toBe(patientRef);
  const p = await request(s.url).get(`/fhir/${patientRef}`).expect(200);
  expect(p.body.extension[0].valueReference.reference).toBe(encRef);
  const b = await request(s.url).get('/fhir/Basic/t1').expect(200);
  expect(b.body.subject.reference).toBe(patientRef);
});

it('returns the resources with Prefer: return=representation', async () => {
  const res = await postBundle(record('t2'), 'return=representation').expect(200);
  expect(res.body.entry.map((x: { resource: { resourceType: string } }) => x.resource.resourceType)).toEqual([
    'Observation',
    'Patient',
    'Encounter',
    'Basic',
  ]);
});

describe('all or nothing', () => {
  async function nothingStored(tag: string): Promise<void> {
    expect((await request(s.url).get(`/fhir/Basic/${tag}`)).status).toBe(404);
    const hist = await request(s.url).get('/fhir/_history?_count=1000').expect(200);
    const texts = JSON.stringify(hist.body);
    expect(texts).not.toContain(`Basic/${tag}`);
  }

  it('an invalid entry fails the whole transaction with its index and fullUrl', async () => {
    const bad = record('t3');
    (bad.entry[2] as { resource: Record<string, unknown> }).resource.colour = 'green';
    const res = await postBundle(bad);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[2].resource.colour']);
    expect(res.body.issue[0].diagnostics).toContain('urn:uuid:t3-enc');
    await nothingStored('t3');
  });

  it('a failed If-Match fails it with 412', async () => {
    const bad = record('t4');
    (bad.entry[3] as { request: Record<string, string> }).request.ifMatch = 'W/"3"';
    const res = await postBundle(bad);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression[0]).toMatch(/^Bundle\.entry\[3\]/);
    await nothingStored('t4');
  });

  it('two entries touching one resource, and an unresolvable urn:uuid, are errors', async () => {
    const twice = tx([
      {
        resource: { resourceType: 'Basic', id: 'same', code: { text: 'a' } },
        request: { method: 'PUT', url: 'Basic/same' },
      },
      { request: { method: 'DELETE', url: 'Basic/same' } },
    ]);
    expect((await postBundle(twice)).status).toBe(400);
    const dangling = tx([
      {
        resource: {
          resourceType: 'Basic',
          id: 'dangle',
          code: { text: 'a' },
          subject: { reference: 'urn:uuid:nowhere' },
        },
        request: { method: 'PUT', url: 'Basic/dangle' },
      },
    ]);
    const res = await postBundle(dangling);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.subject.reference']);
    await nothingStored('dangle');
  });
});

it('processes DELETE before POST and PUT, and GET after the writes', async () => {
  await request(s.url)
    .put('/fhir/Basic/gone-soon')
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Basic', id: 'gone-soon', code: { text: 'x' } }));
  const res = await postBundle(
    tx([
      { request: { method: 'GET', url: 'Basic/fresh' } },
      {
        resource: { resourceType: 'Basic', id: 'fresh', code: { text: 'y' } },
        request: { method: 'PUT', url: 'Basic/fresh' },
      },
      { request: { method: 'DELETE', url: 'Basic/gone-soon' } },
    ]),
  ).expect(200);
  expect(res.body.entry[0].response.status).toBe('200 OK');
  expect(res.body.entry[0].resource.id).toBe('fresh');
  expect(res.body.entry[2].response.status).toBe('200 OK');
  expect((await request(s.url).get('/fhir/Basic/gone-soon')).status).toBe(410);
});

it('refuses Bundles over MAX_BUNDLE_ENTRIES with 413 and other Bundle types with 400', async () => {
  const many = tx(
    Array.from({ length: 51 }, () => ({
      resource: { resourceType: 'Basic', code: { text: 'n' } },
      request: { method: 'POST', url: 'Basic' },
    })),
  );
  const res = await postBundle(many);
  expect(res.status).toBe(413);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect((await postBundle({ resourceType: 'Bundle', type: 'collection' })).status).toBe(400);
  expect((await postBundle({ resourceType: 'Patient' })).status).toBe(400);
});
