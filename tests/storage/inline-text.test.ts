// Where a version's text is kept (src/storage/repository.ts, INLINE_TEXT_CHARS): in the version document up to
// 16 KiB, in a blob of its own above that; either way read, vread, history and search give back the exact text.
import request from 'supertest';
import { INLINE_TEXT_CHARS } from '../../src/storage/repository';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ RESOURCE_CACHE_MB: '0' }); // every text comes from the database
});
afterAll(() => s.close());

const basic = (id: string, text: string) =>
  `{"resourceType":"Basic","id":"${id}","code":{"text":"${text}"},"extension":[{"url":"http://example.org/x","valueDecimal":1.50}]}`;

it.each([
  ['small', 'a few words', 1, 0],
  ['large', 'x'.repeat(INLINE_TEXT_CHARS), 0, 1],
])(
  'a %s text sits in its version %i time(s), in a blob %i time(s), and comes back exact',
  async (id, text, inline, apart) => {
    await request(s.url)
      .put(`/fhir/Basic/${id}`)
      .set('Content-Type', 'application/fhir+json')
      .send(basic(id, text))
      .expect(201);
    const db = s.running.db;
    const version = await db
      .collection<{ _id: string; json?: string; blob?: string }>('versions')
      .findOne({ _id: `Basic/${id}/1` });
    expect(typeof version?.json === 'string' ? 1 : 0).toBe(inline);
    expect(await db.collection<{ _id: string }>('blobs').countDocuments({ _id: version?.blob ?? '' })).toBe(
      apart,
    );
    for (const path of [`/fhir/Basic/${id}`, `/fhir/Basic/${id}/_history/1`]) {
      const r = await request(s.url).get(path).expect(200);
      expect(r.text).toContain('"valueDecimal":1.50');
      expect(r.body.code.text).toBe(text);
    }
    const history = await request(s.url).get(`/fhir/Basic/${id}/_history`).expect(200);
    expect(history.text).toContain('"valueDecimal":1.50');
    const found = await request(s.url).get(`/fhir/Basic?_id=${id}`).expect(200);
    expect(found.body.entry[0].resource.code.text).toBe(text);
  },
);
