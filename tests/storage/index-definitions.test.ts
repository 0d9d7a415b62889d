// When the search parameter definitions change, the server rebuilds the index at start: a SearchParameter added
// to profiles/ takes effect on the resources already stored, with no manual step.
import request from 'supertest';
import { isFerretDb } from '../../src/storage/database';
import { startTestServer, type TestServer } from '../support/server';

/** Stores a Patient, then removes its index entries as an index built under other definitions would lack them. */
async function storeUnindexed(server: TestServer, family: string): Promise<void> {
  const created = await request(server.url)
    .post('/fhir/Patient')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family }] }))
    .expect(201);
  await server.running.db
    .db!.collection('resources')
    .updateOne({ _id: `Patient/${created.body.id as string}` } as never, { $set: { idx: {} } });
}

it('rebuilds the index at start when the definitions it was built with differ', async () => {
  const first = await startTestServer();
  const dbName = first.running.db.db!.databaseName;
  await storeUnindexed(first, 'Definitionsova');
  await first.running.db
    .db!.collection('meta')
    .updateOne({ _id: 'search-definitions' } as never, { $set: { value: 'older' } });
  const count = (url: string) => request(url).get('/fhir/Patient?family=definitionsova&_summary=count');
  expect((await count(first.url)).body.total).toBe(0);
  await first.running.close(); // keeps the database

  const second = await startTestServer({ DB_NAME: dbName });
  try {
    expect((await count(second.url)).body.total).toBe(1);
    const mark = await second.running.db
      .db!.collection('meta')
      .findOne({ _id: 'search-definitions' } as never);
    expect(mark?.value).toMatch(/^[0-9a-f]{64}$/);
  } finally {
    await second.close();
  }
});

it('does not reindex when the definitions are the same', async () => {
  const first = await startTestServer();
  const dbName = first.running.db.db!.databaseName;
  const created = await request(first.url)
    .post('/fhir/Patient')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Unchangedova' }] }))
    .expect(201);
  await first.running.db
    .db!.collection('resources')
    .updateOne({ _id: `Patient/${created.body.id as string}` } as never, { $set: { idx: {} } });
  await first.running.close();
  const second = await startTestServer({ DB_NAME: dbName });
  try {
    // the damaged entry stays damaged: nothing was rebuilt, so a start costs nothing when nothing changed
    const res = await request(second.url).get('/fhir/Patient?family=unchangedova&_summary=count');
    expect(res.body.total).toBe(0);
  } finally {
    await second.close();
  }
});

it('keeps only the _id index on FerretDB, removing those an earlier release created', async () => {
  const first = await startTestServer();
  const db = first.running.db.db!;
  const dbName = db.databaseName;
  await request(first.url)
    .post('/fhir/Patient')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Indexova' }] }))
    .expect(201);
  const names = async (c: string) => (await db.collection(c).listIndexes().toArray()).map((i) => i.name);
  if (!(await isFerretDb(first.running.db))) {
    // MongoDB uses them: the search's query shapes each have one (src/search/mongo-indexes.ts).
    expect((await names('resources')).length).toBeGreaterThan(10);
    return first.close();
  }
  expect(await names('resources')).toEqual(['_id_']);
  // FerretDB never reads a secondary index (it filters on _id only) but maintains each on every write.
  await db.collection('resources').createIndex({ type: 1, 'idx.k': 1 });
  await db.collection('versions').createIndex({ hkey: -1 });
  expect(await names('resources')).toHaveLength(2);
  await first.running.close();

  const second = await startTestServer({ DB_NAME: dbName });
  try {
    const again = second.running.db.db!;
    for (const c of ['resources', 'versions'])
      expect((await again.collection(c).listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
    const res = await request(second.url).get('/fhir/Patient?family=indexova&_summary=count');
    expect(res.body.total).toBe(1);
  } finally {
    await second.close();
  }
});
