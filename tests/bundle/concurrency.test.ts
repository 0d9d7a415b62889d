// Transactions under concurrency: a version taken between the checks and the commit (CommitConflict, 409) leaves
// nothing of the transaction in read, search or history; conditional creates on one identifier make one resource,
// whoever races (storage/locks.ts).
import crypto from 'node:crypto';
import request from 'supertest';
import type { Faults } from '../../src/storage/repository';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
const faults: Faults & { beforeTransactionWrites?: () => Promise<void> } = {};
beforeAll(async () => {
  s = await startTestServer({}, { faults });
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const SYS = 'urn:test:conc';
const tx = (entry: object[]) =>
  request(s.url)
    .post('/fhir')
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
const put = (id: string, text: string) =>
  request(s.url)
    .put(`/fhir/Basic/${id}`)
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Basic', id, code: { text } }));
const tag = (t: string) => ({ tag: [{ system: SYS, code: t }] });

/** Nothing tagged `t` is found by search, nor in the system history since `since`. */
async function invisible(t: string, since: string): Promise<void> {
  for (const type of ['Basic', 'Observation']) {
    const found = await request(s.url).get(`/fhir/${type}?_tag=${SYS}|${t}`).expect(200);
    expect(found.body.entry ?? []).toHaveLength(0);
  }
  const hist = await request(s.url)
    .get(`/fhir/_history?_since=${encodeURIComponent(since)}&_count=1000`)
    .expect(200);
  expect(JSON.stringify(hist.body)).not.toContain(t);
}

describe('all or nothing', () => {
  it('a version taken by a concurrent write between check and commit fails the transaction with 409', async () => {
    await put('cc', 'v1').expect(201);
    const since = new Date().toISOString();
    faults.beforeTransactionWrites = async () => {
      delete faults.beforeTransactionWrites;
      await put('cc', 'concurrent').expect(200);
    };
    const res = await tx([
      {
        resource: { resourceType: 'Observation', meta: tag('cc-t'), status: 'final', code: { text: 'cc-t' } },
        request: { method: 'POST', url: 'Observation' },
      },
      {
        resource: {
          resourceType: 'Basic',
          id: 'cc',
          meta: tag('cc-t'),
          code: { text: 'from the transaction' },
        },
        request: { method: 'PUT', url: 'Basic/cc' },
      },
      {
        resource: { resourceType: 'Basic', id: 'cc-other', meta: tag('cc-t'), code: { text: 'cc-t' } },
        request: { method: 'PUT', url: 'Basic/cc-other' },
      },
    ]);
    expect(faults.beforeTransactionWrites).toBeUndefined(); // the concurrent write did run
    expect(res.status).toBe(409);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('conflict');
    expect(res.body.issue[0].expression[0]).toBe('Bundle.entry[1]');
    const cc = await request(s.url).get('/fhir/Basic/cc').expect(200);
    expect(cc.body.code.text).toBe('concurrent');
    expect(cc.body.meta.versionId).toBe('2');
    expect((await request(s.url).get('/fhir/Basic/cc-other')).status).toBe(404);
    const history = await request(s.url).get('/fhir/Basic/cc/_history').expect(200);
    expect(history.body.entry).toHaveLength(2);
    await invisible('cc-t', since);
    // Nothing is left locked: the same transaction goes through on the new version.
    await tx([
      {
        resource: { resourceType: 'Basic', id: 'cc-other', meta: tag('cc-ok'), code: { text: 'again' } },
        request: { method: 'PUT', url: 'Basic/cc-other' },
      },
    ]).expect(200);
  });

  it('an invalid entry leaves nothing in search and history either', async () => {
    const since = new Date().toISOString();
    const res = await tx([
      {
        resource: {
          resourceType: 'Observation',
          meta: tag('inv-t'),
          status: 'final',
          code: { text: 'inv-t' },
        },
        request: { method: 'POST', url: 'Observation' },
      },
      {
        resource: {
          resourceType: 'Basic',
          id: 'inv',
          meta: tag('inv-t'),
          code: { text: 'x' },
          created: 'May',
        },
        request: { method: 'PUT', url: 'Basic/inv' },
      },
    ]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await invisible('inv-t', since);
  });
});

describe('conditional create on one identifier', () => {
  const patient = (value: string) => ({
    resourceType: 'Patient',
    identifier: [{ system: SYS, value }],
  });
  const plainCreate = (value: string) =>
    request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .set('If-None-Exist', `identifier=${SYS}|${value}`)
      .send(JSON.stringify(patient(value)));
  const txCreate = (value: string) =>
    tx([
      {
        fullUrl: `urn:uuid:${crypto.randomUUID()}`,
        resource: patient(value),
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYS}|${value}` },
      },
    ]);
  const count = async (value: string): Promise<number> =>
    ((await request(s.url).get(`/fhir/Patient?identifier=${SYS}|${value}`).expect(200)).body.entry ?? [])
      .length;

  /** The statuses of racing requests (a transaction's from its entry): one 201, the others 200 or 409. */
  const oneCreated = (results: request.Response[]): number[] => {
    const statuses = results.map((r) =>
      r.body.resourceType === 'Bundle'
        ? Number(String(r.body.entry[0].response.status).slice(0, 3))
        : r.status,
    );
    for (const st of statuses) expect([200, 201, 409]).toContain(st);
    expect(statuses.filter((st) => st === 201)).toHaveLength(1);
    return statuses;
  };

  it('racing plain and transaction creates make exactly one resource', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => plainCreate('race')),
      ...Array.from({ length: 4 }, () => txCreate('race')),
    ]);
    oneCreated(results);
    expect(await count('race')).toBe(1);
  }, 60_000);

  const plainUpdate = (value: string, n: number) =>
    request(s.url)
      .put(`/fhir/Patient?identifier=${SYS}|${value}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ ...patient(value), name: [{ family: `U${n}` }] }));
  const txUpdate = (value: string, n: number) =>
    tx([
      {
        resource: { ...patient(value), name: [{ family: `T${n}` }] },
        request: { method: 'PUT', url: `Patient?identifier=${SYS}|${value}` },
      },
    ]);

  it('racing conditional updates of an identifier no resource has yet make one resource, then update it', async () => {
    // What two imports of the same new e-PHR record do at once: every entry a PUT on its identifier.
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, n) => plainUpdate('cu-race', n)),
      ...Array.from({ length: 4 }, (_, n) => txUpdate('cu-race', n)),
    ]);
    const statuses = oneCreated(results);
    expect(await count('cu-race')).toBe(1);
    const found = await request(s.url).get(`/fhir/Patient?identifier=${SYS}|cu-race`).expect(200);
    const id = found.body.entry[0].resource.id as string;
    const hist = await request(s.url).get(`/fhir/Patient/${id}/_history?_count=100`).expect(200);
    expect(hist.body.entry).toHaveLength(statuses.filter((st) => st === 200 || st === 201).length);
  }, 60_000);

  it('two entries of one transaction that would create for one identifier are a 400 at once', async () => {
    const res = await tx([
      { resource: patient('twice'), request: { method: 'PUT', url: `Patient?identifier=${SYS}|twice` } },
      {
        resource: patient('twice'),
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYS}|twice` },
      },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[1]']);
    expect(await count('twice')).toBe(0);
    await plainUpdate('twice', 0).expect(201); // and the keys it claimed are free
  });

  it('never reports a win it did not get: a live holder that has not written yet answers 409', async () => {
    // Another server's request holds the key and has not stored its Patient yet.
    await s.running.repo.c.locks.insertOne({
      _id: `Patient|identifier|${SYS}|held`,
      target: `Patient/${crypto.randomUUID()}`,
      createdAt: new Date(),
    });
    const [plain, inTx] = await Promise.all([plainCreate('held'), txCreate('held')]);
    expect(plain.status).toBe(409);
    expect(plain.body.issue[0].code).toBe('lock-error');
    expect(inTx.status).toBe(409);
    expect(inTx.body.issue[0].expression).toEqual(['Bundle.entry[0]']);
    expect(await count('held')).toBe(0);
  }, 60_000);

  it('a lock left by a writer that died long ago is taken over', async () => {
    await s.running.repo.c.locks.insertOne({
      _id: `Patient|identifier|${SYS}|orphan`,
      target: `Patient/${crypto.randomUUID()}`,
      createdAt: new Date(Date.now() - 120_000),
    });
    await plainCreate('orphan').expect(201);
    expect(await count('orphan')).toBe(1);
  });

  it('a refused create frees its key at once', async () => {
    const bad = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .set('If-None-Exist', `identifier=${SYS}|refused`)
      .send(JSON.stringify({ ...patient('refused'), gender: 'robot' }));
    expect(bad.status).toBe(422);
    const failedTx = await tx([
      {
        resource: { ...patient('refused'), gender: 'robot' },
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYS}|refused` },
      },
    ]);
    expect(failedTx.status).toBe(422);
    await plainCreate('refused').expect(201);
    expect(await count('refused')).toBe(1);
    // a conditional update that would have created
    const badUpdate = await request(s.url)
      .put(`/fhir/Patient?identifier=${SYS}|refused-u`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ ...patient('refused-u'), gender: 'robot' }));
    expect(badUpdate.status).toBe(422);
    await plainUpdate('refused-u', 0).expect(201);
    expect(await count('refused-u')).toBe(1);
  });
});
