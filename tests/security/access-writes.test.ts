// Writes under the access rules (issue 16, points 3-5): every write path checks the scopes' action, the patient
// compartment of patient/ scopes, the owning clinic and the restricted labels; what is hidden stays hidden.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { startTestIssuer, type TestIssuer } from '../support/issuer';

const CLINIC_TAG = 'http://ephr-fhir.org/fhir/CodeSystem/clinic';
const SDV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' };
let srv: TestServer;
let idp: TestIssuer;
const tok: Record<string, string> = {};

const send = (method: 'put' | 'post' | 'patch' | 'delete', path: string, who: string, body?: object) => {
  const base = request(srv.base);
  const r = base[method](path).set({
    Authorization: `Bearer ${tok[who]}`,
    'Content-Type': method === 'patch' ? 'application/json-patch+json' : 'application/fhir+json',
  });
  return body ? r.send(JSON.stringify(body)) : r;
};
const get = (path: string, who: string) =>
  request(srv.base)
    .get(path)
    .set({ Authorization: `Bearer ${tok[who]}` });
const obs = (id: string, patient: string, extra: object = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  ...extra,
});

beforeAll(async () => {
  idp = await startTestIssuer();
  srv = await startTestServer({ DEV_UNAUTHENTICATED: '', AUTH_ISSUER: idp.url });
  idp.audience = srv.base;
  const claims: Record<string, Record<string, unknown>> = {
    adminA: { sub: 'a', client_id: 'a', clinic: 'A', scope: 'system/*.cruds', roles: ['gbv-care'] },
    writerB: { sub: 'b', client_id: 'b', clinic: 'B', scope: 'user/*.cruds' },
    obsOnlyA: { sub: 'o', client_id: 'o', clinic: 'A', scope: 'user/Observation.cu' },
    appW1: { sub: 'p', client_id: 'app', clinic: 'A', scope: 'patient/*.cruds', patient: 'w1' },
    patientsOnlyA: {
      sub: 'q',
      client_id: 'q',
      clinic: 'A',
      scope: 'user/Patient.cru user/Encounter.cru',
      roles: ['gbv-care'],
    },
    readerB: { sub: 'r', client_id: 'r', clinic: 'B', scope: 'user/*.rs' },
  };
  for (const [k, c] of Object.entries(claims)) tok[k] = await idp.token(c);
  for (const p of ['w1', 'w2'])
    await send('put', `/Patient/${p}`, 'adminA', { resourceType: 'Patient', id: p }).expect(201);
  await send('put', '/Observation/wa', 'adminA', obs('wa', 'w1')).expect(201);
  await send('put', '/Observation/wg', 'adminA', obs('wg', 'w1', { meta: { security: [SDV] } })).expect(201);
}, 60_000);

afterAll(async () => {
  await srv?.close();
  await idp?.close();
});

it("a create is marked as the writing clinic's own; a tag a client sends is replaced", async () => {
  const res = await send(
    'post',
    '/Observation',
    'obsOnlyA',
    obs('x', 'w1', { meta: { tag: [{ system: CLINIC_TAG, code: 'B' }] } }),
  ).expect(201);
  expect(res.body.meta.tag).toEqual([{ system: CLINIC_TAG, code: 'A' }]);
});

it('scopes decide each action: create and update without delete or read', async () => {
  await send('put', '/Observation/wa', 'obsOnlyA', obs('wa', 'w1', { status: 'amended' })).expect(200);
  await send('delete', '/Observation/wa', 'obsOnlyA').expect(403);
  await get('/Observation/wa', 'obsOnlyA').expect(403);
  await send('post', '/Patient', 'obsOnlyA', { resourceType: 'Patient' }).expect(403);
});

it('another clinic cannot change what a clinic wrote, nor see that a hidden resource exists', async () => {
  const upd = await send('put', '/Observation/wa', 'writerB', obs('wa', 'w1', { status: 'cancelled' }));
  expect(upd.status).toBe(403);
  // the restricted one answers as if it did not exist
  const patchHidden = await send('patch', '/Observation/wg', 'writerB', [
    { op: 'replace', path: '/status', value: 'cancelled' },
  ]);
  const patchNone = await send('patch', '/Observation/nope', 'writerB', [
    { op: 'replace', path: '/status', value: 'cancelled' },
  ]);
  expect([patchHidden.status, patchHidden.body.issue?.[0]?.code]).toEqual([
    patchNone.status,
    patchNone.body.issue?.[0]?.code,
  ]);
  const delHidden = await send('delete', '/Observation/wg', 'writerB');
  expect(delHidden.status).toBe(200);
  await get('/Observation/wg', 'adminA').expect(200); // still there
  const validate = await get('/Observation/wg/$validate', 'writerB');
  expect(validate.status).toBe(404);
});

it('a conditional delete by another clinic finds nothing it may not see', async () => {
  const res = await send(
    'delete',
    '/Observation?_security=http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV',
    'writerB',
  );
  expect(res.status).toBe(200);
  await get('/Observation/wg', 'adminA').expect(200);
});

it("a patient/ scope writes only into its patient's compartment", async () => {
  await send('post', '/Observation', 'appW1', obs('y', 'w1')).expect(201);
  await send('post', '/Observation', 'appW1', obs('y', 'w2')).expect(403);
  const created = await send('post', '/Observation', 'appW1', obs('z', 'w1')).expect(201);
  const id = created.body.id as string;
  // moving it to another patient is refused
  await send('put', `/Observation/${id}`, 'appW1', obs(id, 'w2')).expect(403);
});

it('a transaction with one entry outside the scopes writes nothing', async () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:1', resource: obs('t1', 'w1'), request: { method: 'POST', url: 'Observation' } },
      {
        fullUrl: 'urn:uuid:2',
        resource: { resourceType: 'Patient' },
        request: { method: 'POST', url: 'Patient' },
      },
    ],
  };
  const before = await get('/Observation?_summary=count', 'adminA');
  const res = await send('post', '/', 'obsOnlyA', bundle);
  expect(res.status).toBe(403);
  const after = await get('/Observation?_summary=count', 'adminA');
  expect(after.body.total).toBe(before.body.total);
});

it('a caller without gbv-care cannot write restricted data it could not read back', async () => {
  await send('post', '/Observation', 'writerB', obs('r', 'w2', { meta: { security: [SDV] } })).expect(403);
});

describe('$import-ephr under the scopes', () => {
  const record = (): unknown =>
    JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/ephr/08-gbv-disclosed.json'), 'utf8'));
  const importAs = (who: string) =>
    request(srv.base)
      .post('/$import-ephr')
      .set({ Authorization: `Bearer ${tok[who]}`, 'Content-Type': 'application/json' })
      .send(JSON.stringify(record()));
  const statusOf = (res: request.Response): string | undefined =>
    (res.body.parameter?.[0]?.part as Array<{ name: string; valueCode?: string }> | undefined)?.find(
      (p) => p.name === 'status',
    )?.valueCode;

  it('a caller whose scopes miss a type it writes stores nothing of the record', async () => {
    const before = await get('/Patient?_summary=count', 'adminA');
    const res = await importAs('patientsOnlyA');
    // every record failed: 422, saying the scopes do not permit what it would write
    expect([res.status, res.body.issue?.[0]?.code]).toEqual([422, 'forbidden']);
    const after = await get('/Patient?_summary=count', 'adminA');
    expect(after.body.total).toBe(before.body.total);
  });

  it('a caller without gbv-care cannot import a GBV disclosure; one with it can, and B does not see it', async () => {
    const refused = await importAs('writerB');
    expect([refused.status, refused.body.issue?.[0]?.code]).toEqual([422, 'forbidden']);
    const done = await importAs('adminA');
    expect(statusOf(done)).toBe('created');
    const written = (
      done.body.parameter[0].part as Array<{ name: string; valueReference?: { reference: string } }>
    )
      .filter((p) => p.name === 'written')
      .map((p) => p.valueReference!.reference);
    const qr = written.find((w) => w.startsWith('QuestionnaireResponse/'))!;
    await get(`/${qr}`, 'adminA').expect(200);
    await get(`/${qr}`, 'readerB').expect(404);
  });
});
