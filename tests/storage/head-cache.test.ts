// A read answers from the version it remembers only while the database holds no newer one (src/storage/head-cache.ts):
// two server processes on one database see each other's updates, deletes and transactions at once.
import request from 'supertest';
import { commandsDuring, startMonitoredServer } from '../support/commands';
import { startTestServer, type TestServer } from '../support/server';
import { gate } from '../support/gate';

let a: TestServer; // reads, and remembers what it read
let b: TestServer; // writes behind a's back; holds its transactions before their commit point while `hold` is set
let hold: (() => Promise<void>) | undefined;
beforeAll(async () => {
  a = await startMonitoredServer();
  b = await startTestServer(
    { DB_NAME: a.running.db.name },
    { faults: { beforeCommitPoint: () => hold?.() } },
  );
});
afterAll(async () => {
  await b.running.close(); // not b.close(): that drops the database, which a.close() does
  await a.close();
});

const json = 'application/fhir+json';
/** The commands on the resources: every request also appends one record to the audit trail (issue 16), counted apart. */
const onResources = (commands: Array<{ commandName: string; command: Record<string, unknown> }>) => {
  const audit = commands.filter((e) => e.commandName === 'insert' && e.command.insert === 'audit');
  expect(audit).toHaveLength(1);
  return commands.filter((e) => !audit.includes(e));
};
const put = (s: TestServer, id: string, text: string) =>
  request(s.url)
    .put(`/fhir/Basic/${id}`)
    .set('Content-Type', json)
    .send({ resourceType: 'Basic', id, code: { text } });

it('asks only whether a version after the remembered one exists', async () => {
  await put(a, 'known', 'v1').expect(201);
  const commands = onResources(
    await commandsDuring(a, () => request(a.url).get('/fhir/Basic/known').expect(200)),
  );
  expect(commands.map((e) => [e.commandName, String(e.command.find)])).toEqual([['find', 'versions']]);
  expect(JSON.stringify(commands[0]!.command.filter)).toContain('Basic/known/2');
});

it("answers another server's update and delete at once", async () => {
  await put(a, 'shared', 'v1').expect(201);
  expect((await request(a.url).get('/fhir/Basic/shared').expect(200)).body.code.text).toBe('v1');
  await put(b, 'shared', 'v2').expect(200);
  const updated = await request(a.url).get('/fhir/Basic/shared').expect(200);
  expect(updated.body.code.text).toBe('v2');
  expect(updated.headers.etag).toBe('W/"2"');
  await request(b.url)
    .delete('/fhir/Basic/shared')
    .expect((r) => expect([200, 204]).toContain(r.status));
  await request(a.url).get('/fhir/Basic/shared').expect(410);
  await put(b, 'shared', 'v4').expect(201); // back after the delete
  expect((await request(a.url).get('/fhir/Basic/shared').expect(200)).body.code.text).toBe('v4');
});

it("shows no version of another server's transaction before its commit point", async () => {
  await put(a, 'in-txn', 'before').expect(201);
  await request(a.url).get('/fhir/Basic/in-txn').expect(200);
  const g = gate();
  hold = g.hold;
  const sent = request(b.url)
    .post('/fhir')
    .set('Content-Type', json)
    .send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Basic', id: 'in-txn', code: { text: 'in the transaction' } },
          request: { method: 'PUT', url: 'Basic/in-txn' },
        },
      ],
    })
    .then((r) => r);
  await g.reached;
  const during = await request(a.url).get('/fhir/Basic/in-txn').expect(200);
  expect(during.body.code.text).toBe('before');
  hold = undefined;
  g.release();
  expect((await sent).status).toBe(200);
  expect((await request(a.url).get('/fhir/Basic/in-txn').expect(200)).body.code.text).toBe(
    'in the transaction',
  );
});

it('remembers what a search found: reading a found resource asks only for a newer version', async () => {
  await put(b, 'found', 'by search').expect(201); // written by the other server: a has not seen it
  await request(a.url).get('/fhir/Basic?_id=found').expect(200);
  const commands = onResources(
    await commandsDuring(a, () => request(a.url).get('/fhir/Basic/found').expect(200)),
  );
  expect(commands.map((e) => String(e.command.find))).toEqual(['versions']);
});
