// The recovery sweep (src/storage/recovery.ts) runs every 15 s: it reads the journal of writes in flight and looks
// up what that names by _id, so it reads no more when the version log and the commit records grow.
import request from 'supertest';
import { recover } from '../../src/storage/recovery';
import { commandsDuring, startMonitoredServer } from '../support/commands';
import type { TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startMonitoredServer();
});
afterAll(() => server.close());

it('sweeps with lookups by _id only, its journal included', async () => {
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

  const reads = (await commandsDuring(server, () => recover(server.running.repo)))
    .filter((e) => e.commandName === 'find')
    .map((e) => ({ collection: String(e.command.find), filter: e.command.filter as object }));
  // the journal too: its entries are two _id ranges of the keys collection
  expect(reads.filter((r) => r.collection === 'keys').length).toBeGreaterThanOrEqual(2);
  for (const r of reads) expect({ ...r, keys: Object.keys(r.filter) }).toEqual({ ...r, keys: ['_id'] });
});
