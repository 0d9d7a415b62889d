// Conditional writes on `identifier=system|value` are answered from the identifier slots (src/storage/identifiers.ts)
// with the search's matches, and without reading the current view but by _id (FerretDB would decode all of it).
import request from 'supertest';
import { commandsDuring, startMonitoredServer } from '../support/commands';
import type { TestServer } from '../support/server';

const SYS = 'urn:test:slots';
let server: TestServer;

beforeAll(async () => {
  server = await startMonitoredServer();
});
afterAll(() => server.close());

const fhir = 'application/fhir+json';
const patient = (value: string, family: string, extra: object = {}) =>
  JSON.stringify({
    resourceType: 'Patient',
    identifier: [{ system: SYS, value }],
    name: [{ family }],
    ...extra,
  });
const post = (body: string) => request(server.url).post('/fhir/Patient').set('Content-Type', fhir).send(body);
const conditionalPut = (value: string, body: string) =>
  request(server.url)
    .put(`/fhir/Patient?identifier=${encodeURIComponent(`${SYS}|${value}`)}`)
    .set('Content-Type', fhir)
    .send(body);

/** The filters of the `find` commands on `resources` that `run` sends. */
async function viewFinds(run: () => Promise<unknown>): Promise<unknown[]> {
  const commands = await commandsDuring(server, run);
  return commands.filter((e) => e.command.find === 'resources').map((e) => e.command.filter as unknown);
}

it('updates the resource a plain create gave the identifier, reading views only by _id', async () => {
  const created = await post(patient('a-1', 'Slotova')).expect(201);
  const filters = await viewFinds(() => conditionalPut('a-1', patient('a-1', 'Slotova-Updated')).expect(200));
  expect(filters.length).toBeGreaterThan(0);
  for (const f of filters) expect(Object.keys(f as object)).toEqual(['_id']);
  const read = await request(server.url)
    .get(`/fhir/Patient/${created.body.id as string}`)
    .expect(200);
  expect(read.body.name[0].family).toBe('Slotova-Updated');
  expect(read.body.meta.versionId).toBe('2');
});

it('follows identifier changes: the old one matches nothing, the new one the resource', async () => {
  const created = await post(patient('b-1', 'Movedova')).expect(201);
  const id = created.body.id as string;
  await request(server.url)
    .put(`/fhir/Patient/${id}`)
    .set('Content-Type', fhir)
    .send(patient('b-2', 'Movedova', { id }))
    .expect(200);
  const again = await conditionalPut('b-2', patient('b-2', 'Movedova-2')).expect(200);
  expect(again.body.id).toBe(id);
  const fresh = await conditionalPut('b-1', patient('b-1', 'Someone-Else')).expect(201);
  expect(fresh.body.id).not.toBe(id);
});

it('answers 412 when two resources carry the identifier, and ignores a deleted one', async () => {
  const first = await post(patient('c-1', 'Twinova')).expect(201);
  await post(patient('c-1', 'Twinova')).expect(201);
  await conditionalPut('c-1', patient('c-1', 'Twinova')).expect(412);
  await request(server.url)
    .delete(`/fhir/Patient/${first.body.id as string}`)
    .expect(200);
  await conditionalPut('c-1', patient('c-1', 'Twinova-Left')).expect(200);
});

it('finds resources a transaction wrote, and Bundles entries by identifier the same way', async () => {
  const entry = ['d-1', 'd-2', 'd-3'].map((v) => ({
    resource: JSON.parse(patient(v, 'Bundleova')) as object,
    request: { method: 'PUT', url: `Patient?identifier=${encodeURIComponent(`${SYS}|${v}`)}` },
  }));
  const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
  const first = await request(server.url).post('/fhir').set('Content-Type', fhir).send(bundle).expect(200);
  expect(first.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
    '201 Created',
    '201 Created',
    '201 Created',
  ]);
  const second = await request(server.url).post('/fhir').set('Content-Type', fhir).send(bundle).expect(200);
  expect(second.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
    '200 OK',
    '200 OK',
    '200 OK',
  ]);
  const search = await request(server.url).get(`/fhir/Patient?family=bundleova&_summary=count`).expect(200);
  expect(search.body.total).toBe(3);
});

it('rebuilds the slots of a database written before them, at start', async () => {
  const db = server.running.db.db!;
  const created = await post(patient('e-1', 'Olderova')).expect(201);
  await db.collection('identifiers').deleteMany({});
  await db.collection('meta').updateOne({ _id: 'search-definitions' } as never, { $set: { value: 'older' } });
  const dbName = db.databaseName;
  await server.running.close();
  server = await startMonitoredServer({ DB_NAME: dbName });
  const res = await conditionalPut('e-1', patient('e-1', 'Olderova-Updated')).expect(200);
  expect(res.body.id).toBe(created.body.id);
});

it('an identifier many resources share costs a writer and a condition a few slots, not one per holder', async () => {
  for (let i = 0; i < 30; i++) await post(patient('shared-1', `Sharedova-${i}`)).expect(201);
  const writes = await commandsDuring(server, () => post(patient('shared-1', 'Sharedova-last')).expect(201));
  const written = writes
    .filter((e) => e.command.insert === 'identifiers')
    .reduce((n, e) => n + (e.command.documents as unknown[]).length, 0);
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThan(5);
  const reads = await commandsDuring(server, () =>
    conditionalPut('shared-1', patient('shared-1', 'Sharedova')).expect(412),
  );
  const slotReads = reads.filter((e) => e.command.find === 'identifiers');
  expect(slotReads.length).toBeGreaterThan(0);
  expect(slotReads.length).toBeLessThan(3);
});
