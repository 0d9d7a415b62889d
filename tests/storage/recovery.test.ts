// The recovery sweep (src/storage/recovery.ts) runs every 15 s: it reads the journal of writes in flight and looks
// up what that names by _id, so it reads no more when the version log and the commit records grow.
import request from 'supertest';
import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { recover } from '../../src/storage/recovery';
import { startTestServer, testDatabaseUri, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  const uri = testDatabaseUri();
  server = await startTestServer({
    MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`,
  });
});
afterAll(() => server.close());

it('sweeps with lookups by _id only, outside its own journal', async () => {
  const entry = Array.from({ length: 5 }, (_, i) => ({
    resource: { resourceType: 'Basic', id: `swept-${i}`, code: { text: 'swept' } },
    request: { method: 'PUT', url: `Basic/swept-${i}` },
  }));
  await request(server.url)
    .post('/fhir')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }))
    .expect(200);
  await request(server.url)
    .put('/fhir/Basic/swept-single')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Basic', id: 'swept-single', code: { text: 'swept' } }))
    .expect(201);
  await recover(server.running.repo); // the first sweep of a new database looks for older leftovers once

  const client = (server.running.db as unknown as { getClient(): MongoClient }).getClient();
  const reads: Array<{ collection: string; filter: object }> = [];
  const seen = (e: CommandStartedEvent) => {
    if (e.commandName === 'find')
      reads.push({ collection: String(e.command.find), filter: e.command.filter });
  };
  client.on('commandStarted', seen);
  try {
    await recover(server.running.repo);
  } finally {
    client.off('commandStarted', seen);
  }
  expect(reads.some((r) => r.collection === 'journal')).toBe(true);
  for (const r of reads.filter((x) => x.collection !== 'journal')) {
    expect({ ...r, keys: Object.keys(r.filter) }).toEqual({ ...r, keys: ['_id'] });
  }
});
