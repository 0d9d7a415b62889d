// A read the process has nothing remembered for (RESOURCE_CACHE_MB=0 here: every read) takes the newest visible
// version from `versions` when no write of the resource is in flight (src/storage/repository.ts, newestSettled):
// windows of version ids from 1, wider each time, and never the view.
import request from 'supertest';
import { commandsDuring, startMonitoredServer } from '../support/commands';
import type { TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startMonitoredServer({ RESOURCE_CACHE_MB: '0' });
});
afterAll(() => server.close());

const put = (id: string, text: string) =>
  request(server.url)
    .put(`/fhir/Basic/${id}`)
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Basic', id, code: { text } }));

it.each([1, 8, 9, 32, 33, 40])('finds the newest of %i versions, past every window', async (n) => {
  const id = `first-read-${n}`;
  for (let v = 1; v <= n; v++) await put(id, `v${v}`).expect(v === 1 ? 201 : 200);
  await server.running.repo.finished.flush(); // the writes' journal entries are gone, as after 200 ms
  let read: request.Response | undefined;
  const commands = await commandsDuring(server, async () => {
    read = await request(server.url).get(`/fhir/Basic/${id}`).expect(200);
  });
  expect([read!.body.meta.versionId, read!.body.code.text]).toEqual([String(n), `v${n}`]);
  const finds = commands.filter((e) => e.commandName === 'find').map((e) => String(e.command.find));
  expect(finds).not.toContain('resources');
});

it('answers 410 for a deleted resource and 404 for an unknown one from the versions alone', async () => {
  await put('first-read-gone', 'here').expect(201);
  await request(server.url)
    .delete('/fhir/Basic/first-read-gone')
    .expect((r) => expect(r.status).toBeLessThan(300));
  await server.running.repo.finished.flush();
  const commands = await commandsDuring(server, async () => {
    await request(server.url).get('/fhir/Basic/first-read-gone').expect(410);
    await request(server.url).get('/fhir/Basic/first-read-never').expect(404);
  });
  expect(commands.map((e) => String(e.command.find ?? ''))).not.toContain('resources');
});

it('reads the view (the path that repairs it) while a write of the resource is in flight', async () => {
  await put('first-read-busy', 'v1').expect(201);
  await server.running.repo.finished.flush();
  // an entry no writer of this process has closed: a writer elsewhere, or one that died
  await server.running.repo.c.journal.insertOne({
    _id: 'write:Basic/first-read-busy:elsewhere',
    kind: 'write',
    type: 'Basic',
    id: 'first-read-busy',
    at: new Date(),
  });
  const commands = await commandsDuring(server, async () => {
    await request(server.url).get('/fhir/Basic/first-read-busy').expect(200);
  });
  expect(commands.map((e) => String(e.command.find ?? ''))).toContain('resources');
  await server.running.repo.c.journal.deleteOne({ _id: 'write:Basic/first-read-busy:elsewhere' });
});
