// A transaction's commit point against a rollback by recovery (src/storage/decision.ts): one decision per
// transaction, under a unique key, so a writer is never answered 200 for versions a rollback removes; and a writer
// that takes longer than its lease keeps it by renewing it.
import crypto from 'node:crypto';
import request from 'supertest';
import { decide } from '../../src/storage/decision';
import { recover } from '../../src/storage/recovery';
import { startTestServer, type TestServer } from '../support/server';
import { basicTransaction, postBundle } from '../support/basic-transaction';
import { gate } from '../support/gate';

const LEASE_MS = 900;
let s: TestServer;
let hold: (() => Promise<void>) | undefined;
beforeAll(async () => {
  s = await startTestServer(
    {},
    { faults: { beforeCommitPoint: () => hold?.(), transactionLeaseMs: LEASE_MS } },
  );
});
afterAll(() => s.close());

const bundle = basicTransaction;
const post = (body: string) => postBundle(s.url, body);
const versionsOf = (tag: string) =>
  s.running.db.collection('versions').countDocuments({ id: new RegExp(`^${tag}-`) });

it('a commit point and a rollback racing on one transaction agree on one decision', async () => {
  const { c } = s.running.repo;
  for (let round = 0; round < 25; round++) {
    const txn = crypto.randomUUID();
    const outcomes = await Promise.all([decide(c, txn, 'committed'), decide(c, txn, 'aborted')]);
    expect(outcomes[0]).toBe(outcomes[1]);
    expect(await c.decisions.countDocuments({ _id: `decision:${txn}` })).toBe(1);
    // a later attempt gets the standing decision, not its own
    const other = outcomes[0] === 'committed' ? 'aborted' : 'committed';
    expect(await decide(c, txn, other)).toBe(outcomes[0]);
  }
});

it('a writer whose transaction recovery rolled back while it was held answers 409 and leaves nothing', async () => {
  const g = gate();
  hold = g.hold;
  const sent = post(bundle('late', 5)).then((r) => r);
  await g.reached;
  // recovery from another process, once the lease is long past
  const report = await recover(s.running.repo, new Date(Date.now() + 60_000));
  expect(report.rolledBack).toBe(1);
  hold = undefined;
  g.release();
  const res = await sent;
  expect(res.status).toBe(409);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(await versionsOf('late')).toBe(0);
  await request(s.url).get('/fhir/Basic/late-0').expect(404);
});

it('a writer held past its lease renews it, so a sweep meanwhile leaves it alone and it commits', async () => {
  const g = gate();
  hold = g.hold;
  const sent = post(bundle('slow', 5)).then((r) => r);
  await g.reached;
  await new Promise((r) => setTimeout(r, LEASE_MS * 3));
  const report = await recover(s.running.repo);
  expect(report.rolledBack).toBe(0);
  hold = undefined;
  g.release();
  expect((await sent).status).toBe(200);
  expect(await versionsOf('slow')).toBe(5);
  await request(s.url).get('/fhir/Basic/slow-4').expect(200);
});
