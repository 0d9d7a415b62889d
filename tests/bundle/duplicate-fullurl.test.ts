// Issue 20 point 4: two entries of a transaction or batch with the same fullUrl are a 400 naming both entries.
// Before, the Bundle was accepted and a reference to that fullUrl resolved to the last: an Observation was attached to
// the wrong Patient.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const post = (type: string, entry: object[]) =>
  request(s.url)
    .post('/fhir')
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Bundle', type, entry }));

const patient = (fullUrl: string, family: string) => ({
  fullUrl,
  resource: { resourceType: 'Patient', name: [{ family }] },
  request: { method: 'POST', url: 'Patient' },
});
const observation = (subject: string) => ({
  fullUrl: 'urn:uuid:7f1a7c52-0000-4000-8000-000000000003',
  resource: {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'weight' },
    subject: { reference: subject },
  },
  request: { method: 'POST', url: 'Observation' },
});

const SAME = 'urn:uuid:7f1a7c52-0000-4000-8000-000000000001';

async function count(query: string): Promise<number> {
  const res = await request(s.url).get(`/fhir/${query}&_summary=count`).expect(200);
  return res.body.total as number;
}

function expectBothNamed(res: request.Response, first: number, second: number, fullUrl: string): void {
  expect([res.status, res.body.resourceType]).toEqual([400, 'OperationOutcome']);
  const text = JSON.stringify(res.body);
  expect(text).toContain(`Bundle.entry[${first}]`);
  expect(text).toContain(`Bundle.entry[${second}]`);
  expect(text).toContain(fullUrl);
}

describe('duplicate fullUrls', () => {
  it('in a transaction are a 400 naming both entries, and nothing is stored', async () => {
    const res = await post('transaction', [
      patient(SAME, 'Dupfirst'),
      patient(SAME, 'Dupsecond'),
      observation(SAME),
    ]);
    expectBothNamed(res, 0, 1, SAME);
    expect(await count('Patient?family=Dupfirst')).toBe(0);
    expect(await count('Patient?family=Dupsecond')).toBe(0);
  });

  it('in a batch are a 400 naming both entries', async () => {
    const res = await post('batch', [
      patient(SAME, 'Batchfirst'),
      observation(SAME),
      patient(SAME, 'Batchsecond'),
    ]);
    expectBothNamed(res, 0, 2, SAME);
    expect(await count('Patient?family=Batchfirst')).toBe(0);
  });

  it('a relative fullUrl and its absolute form are the same fullUrl', async () => {
    const res = await post('transaction', [
      {
        fullUrl: 'Patient/dup-1',
        resource: { resourceType: 'Patient', id: 'dup-1' },
        request: { method: 'PUT', url: 'Patient/dup-1' },
      },
      {
        fullUrl: `${s.base}/Patient/dup-1`,
        resource: { resourceType: 'Patient', id: 'dup-1' },
        request: { method: 'PUT', url: 'Patient/dup-1' },
      },
    ]);
    expectBothNamed(res, 0, 1, 'Patient/dup-1');
  });

  it('distinct fullUrls still resolve each reference to its own entry', async () => {
    const other = 'urn:uuid:7f1a7c52-0000-4000-8000-000000000002';
    const res = await post('transaction', [
      patient(SAME, 'Uniquefirst'),
      patient(other, 'Uniquesecond'),
      observation(SAME),
    ]);
    expect(res.status).toBe(200);
    const first = (res.body.entry[0].response.location as string).split('/').slice(-4, -2).join('/');
    const obs = (res.body.entry[2].response.location as string).split('/').slice(-4, -2).join('/');
    const read = await request(s.url).get(`/fhir/${obs}`).expect(200);
    expect(read.body.subject.reference).toBe(first);
  });

  it('a request.url with broken percent-encoding is a 400, not a failure', async () => {
    const res = await post('transaction', [
      { resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient/%zz' } },
    ]);
    expect([res.status, res.body.resourceType]).toEqual([400, 'OperationOutcome']);
  });
});
