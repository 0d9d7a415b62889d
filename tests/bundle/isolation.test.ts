// Isolation for readers (issue 6, point 5): while a transaction is between its version inserts and its commit point,
// and when it never commits, no read, vread or history shows any of its versions.
import request from 'supertest';
import { recover } from '../../src/storage/recovery';
import { startTestServer, type TestServer } from '../support/server';
import { basicTransaction, postBundle } from '../support/basic-transaction';
import { gate } from '../support/gate';

let s: TestServer;
let hold: (() => Promise<void>) | undefined;
beforeAll(async () => {
  s = await startTestServer({}, { faults: { beforeCommitPoint: () => hold?.() } });
});
afterAll(() => s.close());

const bundle = basicTransaction;
const post = (body: string) => postBundle(s.url, body);

async function seen(tag: string, n: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < n; i++) {
    if ((await request(s.url).get(`/fhir/Basic/${tag}-${i}`)).status === 200) count++;
    if ((await request(s.url).get(`/fhir/Basic/${tag}-${i}/_history/1`)).status === 200) count++;
  }
  const hist = await request(s.url).get('/fhir/Basic/_history?_count=1000').expect(200);
  count += (hist.body.entry ?? []).filter((e: { fullUrl: string }) =>
    e.fullUrl.includes(`/Basic/${tag}-`),
  ).length;
  return count;
}

it('readers see nothing of a transaction before its commit point, and all of it after', async () => {
  const g = gate();
  hold = g.hold;
  const sent = post(bundle('iso', 20)).then((r) => r); // supertest sends on then()
  await g.reached;
  expect(await seen('iso', 20)).toBe(0);
  hold = undefined;
  g.release();
  expect((await sent).status).toBe(200);
  expect(await seen('iso', 20)).toBe(60);
});

it('a transaction whose writer dies before the commit point never becomes visible, and recovery removes it', async () => {
  hold = () => Promise.reject(new Error('writer died'));
  expect((await post(bundle('dead', 10))).status).toBe(500);
  hold = undefined;
  expect(await seen('dead', 10)).toBe(0);
  // a writer to one of its resources is held back by the pending transaction rather than building on it
  const blocked = await request(s.url)
    .put('/fhir/Basic/dead-0')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Basic', id: 'dead-0', code: { text: 'other' } }));
  expect(blocked.status).toBe(409);
  // once the lease has run out, recovery rolls it back and the resource is free again
  const later = new Date(Date.now() + 120_000);
  const report = await recover(s.running.repo, later);
  expect(report.rolledBack).toBe(1);
  expect(await s.running.db.collection('versions').countDocuments({ id: /^dead-/ })).toBe(0);
  await request(s.url)
    .put('/fhir/Basic/dead-0')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Basic', id: 'dead-0', code: { text: 'other' } }))
    .expect(201);
});
