// Searches reach FerretDB's `_id` index (src/storage/implied-id.ts, the build patch): the `_id` condition a search
// filter implies (the candidates the ordered search index names, `_id`, includes, the type) goes to the top, where
// SQLite uses the index, and the answers stay those of the full filter.
import request from 'supertest';
import type { CommandStartedEvent } from 'mongodb';
import { withImpliedId } from '../../src/storage/implied-id';
import { commandsDuring, startMonitoredServer } from '../support/commands';
import type { TestServer } from '../support/server';

describe('withImpliedId', () => {
  it('lifts the smallest _id list of the conjunction, never one inside $or', () => {
    const f = {
      type: 'Patient',
      $and: [{ $and: [{ _id: { $in: ['Patient/a', 'Patient/b'] } }] }, { _id: 'Patient/a' }],
    };
    expect(withImpliedId(f, true)).toEqual({ ...f, _id: { $in: ['Patient/a'] } });
    const either = { type: 'Patient', $or: [{ _id: 'Patient/a' }, { 'idx.k': 'x' }] };
    expect(withImpliedId(either, true)).toEqual({ ...either, _id: { $gte: 'Patient/', $lt: 'Patient0' } });
    expect(withImpliedId(either, false)).toBe(either);
  });

  it('leaves a filter with a top-level _id, or one that implies none, as it is', () => {
    const own = { _id: { $gt: 'Patient/a' }, type: 'Patient' };
    expect(withImpliedId(own, true)).toBe(own);
    const none = { $or: [{ type: 'Patient' }, { type: 'Observation' }] };
    expect(withImpliedId(none, true)).toBe(none);
    expect(withImpliedId({ _id: { $gt: 'a' }, x: 1 }, true)).toEqual({ _id: { $gt: 'a' }, x: 1 });
    expect(withImpliedId({ $and: [{ _id: { $gt: 'a' } }], x: 1 }, false)).toEqual({
      $and: [{ _id: { $gt: 'a' } }],
      x: 1,
    });
  });
});

describe('searches on the embedded database', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startMonitoredServer();
    const put = (type: string, id: string, body: object) =>
      request(s.url)
        .put(`/fhir/${type}/${id}`)
        .set('Content-Type', 'application/fhir+json')
        .send({ resourceType: type, id, ...body })
        .expect((r) => expect([200, 201]).toContain(r.status));
    for (let i = 0; i < 30; i++) {
      await put('Patient', `p${i}`, {
        identifier: [{ system: 'urn:oid:iom', value: `IOM-${i}` }],
        gender: 'female',
      });
      await put('Observation', `o${i}`, {
        status: 'final',
        code: { text: 'weight' },
        subject: { reference: `Patient/p${i}` },
      });
    }
    await put('Patient', 'moved', { identifier: [{ system: 'urn:oid:iom', value: 'IOM-7' }] });
    await put('Patient', 'moved', { identifier: [{ system: 'urn:oid:iom', value: 'IOM-7-new' }] }); // dropped IOM-7
    await put('Basic', 'b7', {
      code: { text: 'x' },
      identifier: [{ system: 'urn:oid:iom', value: 'IOM-7' }],
    });
  });
  afterAll(() => s.close());

  /** The filters of the finds on `resources` that a search sent, and FerretDB's plan for each. */
  async function finds(path: string): Promise<{
    body: { entry?: Array<{ resource: { id: string } }> };
    filters: Array<Record<string, unknown>>;
    plans: string[];
  }> {
    let body: { entry?: Array<{ resource: { id: string } }> } = {};
    const sent: CommandStartedEvent[] = await commandsDuring(s, async () => {
      body = (await request(s.url).get(path).expect(200)).body;
    });
    const filters = sent
      .filter((e) => e.commandName === 'find' && e.command.find === 'resources')
      .map((e) => e.command.filter as Record<string, unknown>);
    const plans = await Promise.all(
      filters.map(async (filter) =>
        JSON.stringify(await s.running.db.db!.command({ explain: { find: 'resources', filter } })),
      ),
    );
    return { body, filters, plans };
  }

  it('Patient?identifier=system|value reads only the resources that carry it now', async () => {
    const { body, filters, plans } = await finds('/fhir/Patient?identifier=urn:oid:iom|IOM-7');
    expect(body.entry?.map((e) => e.resource.id)).toEqual(['p7']); // not "moved" (dropped it), not the Basic
    expect(filters.map((f) => f._id)).toEqual([{ $in: ['Patient/p7'] }]);
    expect(plans[0]).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
  });

  it('a chain on identifier reads the Patients by candidate, then the Observations that pointed to them', async () => {
    const { body, filters, plans } = await finds('/fhir/Observation?subject.identifier=urn:oid:iom|IOM-3');
    expect(body.entry?.map((e) => e.resource.id)).toEqual(['o3']);
    expect(filters.map((f) => f._id)).toEqual([{ $in: ['Patient/p3'] }, { $in: ['Observation/o3'] }]);
    for (const p of plans) expect(p).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
  });

  it('_id and _include go by _id, any other search by its type', async () => {
    const byId = await finds('/fhir/Patient?_id=p1,p2');
    expect(byId.body.entry?.map((e) => e.resource.id).sort()).toEqual(['p1', 'p2']);
    expect(byId.filters[0]!._id).toEqual({ $in: ['Patient/p1', 'Patient/p2'] });
    const inc = await finds('/fhir/Observation?status=final&_count=3&_include=Observation:subject');
    expect(inc.body.entry).toHaveLength(6);
    // every Observation is final: the candidates are all 30, and the page reads the first of them in `_id` order
    expect((inc.filters[0]!._id as { $in: string[] }).$in).toEqual(
      Array.from({ length: 30 }, (_, i) => `Observation/o${i}`)
        .sort()
        .slice(0, 20),
    );
    const all = await finds('/fhir/Observation?_count=3');
    expect(all.filters[0]!._id).toEqual({ $gte: 'Observation/', $lt: 'Observation0' }); // no condition: by type
    expect(inc.filters[1]!._id).toEqual({
      $in: expect.arrayContaining([expect.stringMatching(/^Patient\/p/)]),
    });
    for (const p of [...byId.plans, ...inc.plans, ...all.plans])
      expect(p).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
  });

  it('a reference search reads only the resources that point there now', async () => {
    const moved = await request(s.url)
      .put('/fhir/Observation/o5')
      .set('Content-Type', 'application/fhir+json')
      .send({
        resourceType: 'Observation',
        id: 'o5',
        status: 'final',
        code: { text: 'weight' },
        subject: { reference: 'Patient/p6' },
      })
      .expect(200);
    expect(moved.body.subject.reference).toBe('Patient/p6');
    const five = await finds('/fhir/Observation?subject=Patient/p5');
    expect(five.body.entry ?? []).toHaveLength(0); // o5 pointed there once: its key went with that version
    expect(five.filters).toEqual([]); // no candidate: the views are not read
    const six = await finds('/fhir/Observation?subject=p6'); // every target type of subject
    expect(six.body.entry?.map((e) => e.resource.id).sort()).toEqual(['o5', 'o6']);
    expect((six.filters[0]!._id as { $in: string[] }).$in.sort()).toEqual([
      'Observation/o5',
      'Observation/o6',
    ]);
    const url = await finds('/fhir/Observation?subject=http://elsewhere.org/fhir/Patient/p6');
    expect(url.body.entry ?? []).toHaveLength(0);
    expect(url.filters).toEqual([]); // URLs have keys too
    for (const p of [...five.plans, ...six.plans, ...url.plans])
      expect(p).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
  });

  it('rebuilds the keys of a database whose index is of another format, at start', async () => {
    const db = s.running.db.db!;
    await db.collection<{ _id: string }>('keys').deleteMany({ _id: { $gte: 'x:', $lt: 'x;' } });
    await db
      .collection('meta')
      .updateOne({ _id: 'search-definitions' } as never, { $set: { value: 'older' } });
    expect((await finds('/fhir/Observation?subject=Patient/p7')).body.entry ?? []).toHaveLength(0); // the harm
    await s.running.close();
    s = await startMonitoredServer({ DB_NAME: db.databaseName });
    expect(
      (await finds('/fhir/Observation?subject=Patient/p7')).body.entry?.map((e) => e.resource.id),
    ).toEqual(['o7']);
  });

  it('a page reads the texts of the resources it returns, and of no other', async () => {
    // No text cache: every text a search needs comes from the versions, where a command names each one.
    const cold = await startMonitoredServer({
      DB_NAME: s.running.db.db!.databaseName,
      RESOURCE_CACHE_MB: '0',
    });
    try {
      let body: { entry?: Array<{ resource: { id: string } }> } = {};
      const sent = await commandsDuring(cold, async () => {
        body = (await request(cold.url).get('/fhir/Patient?gender=female&_count=3').expect(200)).body;
      });
      const texts = sent
        .filter((e) => e.commandName === 'find' && e.command.find === 'versions')
        .flatMap((e) => ((e.command.filter as { _id: { $in: string[] } })._id.$in ?? []).map(String));
      const returned = body.entry?.map((e) => e.resource.id) ?? [];
      expect(returned).toHaveLength(3); // 30 female Patients match; the page holds 3, and a next link
      expect(texts.map((t) => t.split('/')[1]).sort()).toEqual([...returned].sort());
    } finally {
      await cold.close();
    }
  });
});
