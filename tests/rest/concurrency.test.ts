// No lost update, no torn write (issue 3, point 11), on the embedded database.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import type { VersionDoc } from '../../src/storage/collections';
import { recover } from '../../src/storage/recovery';

const FHIR = 'application/fhir+json';
const body = (id: string, n: number) =>
  JSON.stringify({ resourceType: 'Basic', id, code: { text: `writer ${n}` } });

describe('concurrent writers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());
  const put = (id: string, n: number) =>
    request(s.url).put(`/fhir/Basic/${id}`).set('Content-Type', FHIR).send(body(id, n));

  it('20 PUTs with the same If-Match: exactly one wins, the rest get 412', async () => {
    await put('race-ifmatch', 0).expect(201);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => put('race-ifmatch', n + 1).set('If-Match', 'W/"1"')),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 412)).toHaveLength(19);
    const current = await request(s.url).get('/fhir/Basic/race-ifmatch').expect(200);
    expect(current.body.meta.versionId).toBe('2');
    const winner = results.find((r) => r.status === 200)!;
    expect(current.body.code.text).toBe(winner.body.code.text);
  });

  it('50 unconditional PUTs of differing content: versions 1..51, no gap, no duplicate, current = newest', async () => {
    await put('race-free', 0).expect(201);
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => put('race-free', n + 1)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const versions = results.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    const hist = await request(s.url).get('/fhir/Basic/race-free/_history?_count=100').expect(200);
    const ids = hist.body.entry.map((e: { resource: { meta: { versionId: string } } }) =>
      Number(e.resource.meta.versionId),
    );
    expect(ids).toEqual(Array.from({ length: 51 }, (_, i) => 51 - i));
    const current = await request(s.url).get('/fhir/Basic/race-free').expect(200);
    expect(current.body.meta.versionId).toBe('51');
    expect(current.body).toEqual(hist.body.entry[0].resource);
    const view = await s.running.db.collection('resources').findOne({ _id: 'Basic/race-free' as never });
    expect(view).toMatchObject({ versionId: 51 });
  });
});

describe('a writer that dies between the version and the current view', () => {
  let s: TestServer;
  let crash: string | undefined;
  beforeAll(async () => {
    s = await startTestServer(
      {},
      {
        faults: {
          afterVersionInsert: (v: VersionDoc) => {
            if (`${v.type}/${v.id}` === crash) throw new Error('injected crash after the version insert');
          },
        },
      },
    );
  });
  afterAll(() => s.close());
  const put = (id: string, n: number) =>
    request(s.url).put(`/fhir/Basic/${id}`).set('Content-Type', FHIR).send(body(id, n));

  it('the next read rolls the view forward to the newest complete version', async () => {
    await put('torn-update', 1).expect(201);
    crash = 'Basic/torn-update';
    expect((await put('torn-update', 2)).status).toBe(500);
    crash = undefined;
    const view = await s.running.db.collection('resources').findOne({ _id: 'Basic/torn-update' as never });
    expect(view).toMatchObject({ versionId: 1, pending: 2 }); // the view is behind: the crash left it so
    const read = await request(s.url).get('/fhir/Basic/torn-update').expect(200);
    expect(read.body.meta.versionId).toBe('2');
    expect(read.body.code.text).toBe('writer 2');
    const repaired = await s.running.db
      .collection('resources')
      .findOne({ _id: 'Basic/torn-update' as never });
    expect(repaired).toMatchObject({ versionId: 2 });
    expect(repaired!.pending === undefined || repaired!.pending <= 2).toBe(true);
  });

  it('a create that died before its view exists is found by the next read', async () => {
    crash = 'Basic/torn-create';
    expect((await put('torn-create', 1)).status).toBe(500);
    crash = undefined;
    expect(
      await s.running.db.collection('resources').findOne({ _id: 'Basic/torn-create' as never }),
    ).toBeNull();
    const read = await request(s.url).get('/fhir/Basic/torn-create').expect(200);
    expect(read.body.meta.versionId).toBe('1');
  });

  it('a PUT that revives a deleted resource and dies before the view: the next read and write see it', async () => {
    await put('torn-revive', 1).expect(201);
    await request(s.url).delete('/fhir/Basic/torn-revive').expect(200);
    crash = 'Basic/torn-revive';
    expect((await put('torn-revive', 3)).status).toBe(500);
    crash = undefined;
    const view = await s.running.db.collection('resources').findOne({ _id: 'Basic/torn-revive' as never });
    expect(view).toMatchObject({ versionId: 2, deleted: true, pending: 3 }); // behind, and marked so
    const read = await request(s.url).get('/fhir/Basic/torn-revive').expect(200);
    expect(read.body.meta.versionId).toBe('3');
    expect(read.body.code.text).toBe('writer 3');
    const next = await put('torn-revive', 4).expect(200);
    expect(next.body.meta.versionId).toBe('4');
    await request(s.url).get('/fhir/Basic/torn-revive').expect(200);
  });

  it('a revive that died is also repaired by the next write without a read first', async () => {
    await put('torn-revive-w', 1).expect(201);
    await request(s.url).delete('/fhir/Basic/torn-revive-w').expect(200);
    crash = 'Basic/torn-revive-w';
    await put('torn-revive-w', 3).expect(500);
    crash = undefined;
    const next = await put('torn-revive-w', 4).expect(200);
    expect(next.body.meta.versionId).toBe('4');
    const read = await request(s.url).get('/fhir/Basic/torn-revive-w').expect(200);
    expect(read.body.code.text).toBe('writer 4');
  });

  it('the recovery sweep finds a torn create through the journal, so search finds it without a read', async () => {
    const count = async () =>
      (await request(s.url).get('/fhir/Basic?_id=torn-swept&_summary=count').expect(200)).body
        .total as number;
    crash = 'Basic/torn-swept';
    expect((await put('torn-swept', 1)).status).toBe(500);
    crash = undefined;
    expect(await count()).toBe(0);
    const journal = s.running.repo.c.journal;
    expect(await journal.countDocuments({ id: 'torn-swept' })).toBe(1);
    const report = await recover(s.running.repo);
    expect(report.repairedViews).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(1);
    // kept for the next sweep while a writer could still be in flight, dropped by a sweep after that
    await recover(s.running.repo, new Date(Date.now() + 120_000));
    expect(await journal.countDocuments({ id: 'torn-swept' })).toBe(0);
  });

  it('a finished write leaves nothing in the journal', async () => {
    await put('journal-clean', 1).expect(201);
    await put('journal-clean', 2).expect(200);
    const journal = s.running.repo.c.journal;
    for (let i = 0; i < 50 && (await journal.countDocuments({ id: 'journal-clean' })) > 0; i++)
      await new Promise((r) => setTimeout(r, 20)); // its entry is removed after the response, with others
    expect(await journal.countDocuments({ id: 'journal-clean' })).toBe(0);
  });

  it('the next write builds on the newest version, not on the stale view', async () => {
    await put('torn-write', 1).expect(201);
    crash = 'Basic/torn-write';
    await put('torn-write', 2).expect(500);
    crash = undefined;
    const next = await put('torn-write', 3).expect(200);
    expect(next.body.meta.versionId).toBe('3');
    const hist = await request(s.url).get('/fhir/Basic/torn-write/_history').expect(200);
    expect(hist.body.total).toBe(3);
  });
});
