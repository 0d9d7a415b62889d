// Issue 20 point 1, JSON Patch growth: a patch's operations and the size of its result are bounded
// (PATCH_MAX_OPERATIONS, PATCH_MAX_RESULT_SIZE) and a patch over a bound is refused at once with a 413 naming it,
// before the operation that would cross it is applied. Before, a 2 KB patch copying an array into itself blocked the
// server for 74 s (2.8 GB), and 20,000 copies in 1 MB blocked it for 63 s. The deadlines below (10 s) only catch a
// hang of that kind; they measure nothing.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

const FHIR = 'application/fhir+json';
const HANG = { response: 10_000, deadline: 10_000 };

let s: TestServer;
let small: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  small = await startTestServer({ PATCH_MAX_OPERATIONS: '50', PATCH_MAX_RESULT_SIZE: '64kb' });
});
afterAll(async () => {
  await s.close();
  await small.close();
});

async function newPatient(server: TestServer): Promise<string> {
  const res = await request(server.url)
    .post('/fhir/Patient')
    .set('Content-Type', FHIR)
    .send(
      JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Haddad', given: ['Amina', 'Layla'] }] }),
    )
    .expect(201);
  return res.body.id as string;
}

const jsonPatch = (server: TestServer, id: string, ops: object[]) =>
  request(server.url)
    .patch(`/fhir/Patient/${id}`)
    .set('Content-Type', 'application/json-patch+json')
    .timeout(HANG)
    .send(JSON.stringify(ops));

const doubling = (n: number): object[] =>
  Array.from({ length: n }, () => ({ op: 'copy', from: '/name', path: '/name/-' }));

interface Outcome {
  resourceType: string;
  issue: Array<{ code: string; diagnostics: string }>;
}
function expectTooCostly(res: request.Response, naming: string): void {
  const body = res.body as Outcome;
  expect([res.status, body.resourceType, body.issue[0]?.code]).toEqual([
    413,
    'OperationOutcome',
    'too-costly',
  ]);
  expect(body.issue[0]?.diagnostics).toContain(naming);
}

async function versionOf(server: TestServer, id: string): Promise<string> {
  const res = await request(server.url).get(`/fhir/Patient/${id}`).expect(200);
  return res.body.meta.versionId as string;
}

describe('JSON Patch bounds', () => {
  it('an array copied into itself is refused once it would pass PATCH_MAX_RESULT_SIZE; nothing is stored', async () => {
    const id = await newPatient(small);
    // 16 doublings of the name list: about 4 MB, beyond 64 kb after 9 or so.
    const res = await jsonPatch(small, id, doubling(16));
    expectTooCostly(res, 'PATCH_MAX_RESULT_SIZE');
    expect(res.body.issue[0].diagnostics).toMatch(/operation \d+ \(copy\)/);
    expect(await versionOf(small, id)).toBe('1');
  });

  it('the 2 KB reproducer (40 doublings) on the default settings answers 413 at once', async () => {
    const id = await newPatient(s);
    const ops = doubling(40);
    expect(JSON.stringify(ops).length).toBeLessThan(2100);
    expectTooCostly(await jsonPatch(s, id, ops), 'PATCH_MAX_RESULT_SIZE');
    expect(await versionOf(s, id)).toBe('1');
  });

  it('more operations than PATCH_MAX_OPERATIONS are refused before any is applied', async () => {
    const id = await newPatient(small);
    const ops = Array.from({ length: 51 }, () => ({ op: 'add', path: '/active', value: true }));
    expectTooCostly(await jsonPatch(small, id, ops), 'PATCH_MAX_OPERATIONS');
    // the 1 MB reproducer: 20,000 copies on the default settings
    const id2 = await newPatient(s);
    expectTooCostly(
      await jsonPatch(
        s,
        id2,
        Array.from({ length: 20_000 }, () => ({ op: 'copy', from: '/name/0', path: '/name/-' })),
      ),
      'PATCH_MAX_OPERATIONS',
    );
    expect(await versionOf(s, id2)).toBe('1');
  });

  it('a FHIRPath Patch with more operations than PATCH_MAX_OPERATIONS is refused too', async () => {
    const id = await newPatient(small);
    const op = {
      name: 'operation',
      part: [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: 'Patient.name[0].family' },
        { name: 'value', valueString: 'Hadad' },
      ],
    };
    const res = await request(small.url)
      .patch(`/fhir/Patient/${id}`)
      .set('Content-Type', FHIR)
      .timeout(HANG)
      .send(JSON.stringify({ resourceType: 'Parameters', parameter: Array.from({ length: 51 }, () => op) }));
    expectTooCostly(res, 'PATCH_MAX_OPERATIONS');
  });

  it('the same bounds hold for a PATCH entry of a transaction', async () => {
    const id = await newPatient(small);
    const binary = {
      resourceType: 'Binary',
      contentType: 'application/json-patch+json',
      data: Buffer.from(JSON.stringify(doubling(16))).toString('base64'),
    };
    const res = await request(small.url)
      .post('/fhir')
      .set('Content-Type', FHIR)
      .timeout(HANG)
      .send(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: binary, request: { method: 'PATCH', url: `Patient/${id}` } }],
        }),
      );
    expect(res.status).toBe(413);
    expect(JSON.stringify(res.body)).toContain('PATCH_MAX_RESULT_SIZE');
    expect(await versionOf(small, id)).toBe('1');
  });

  it('a patch within the bounds still applies (copies included)', async () => {
    const id = await newPatient(small);
    const copies = Array.from({ length: 3 }, () => ({ op: 'copy', from: '/name/0', path: '/name/-' }));
    const res = await jsonPatch(small, id, copies).expect(200);
    expect((res.body.name as unknown[]).length).toBe(4);
  });

  it('a patch that removes the whole resource is a 422, not a failure of the server', async () => {
    const id = await newPatient(s);
    const res = await jsonPatch(s, id, [{ op: 'remove', path: '' }]);
    expect([res.status, res.body.resourceType]).toEqual([422, 'OperationOutcome']);
    expect(await versionOf(s, id)).toBe('1');
  });
});
