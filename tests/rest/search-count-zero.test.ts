// `_count=0` in a search answers the total alone (search.html#count; issue 18 item 12), as history does.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

it('_count=0 answers the number of matches, no entries and no next link', async () => {
  const code = `count-zero-${Date.now()}`;
  for (let i = 0; i < 3; i++)
    await request(s.base)
      .post('/Basic')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Basic', code: { coding: [{ system: 'urn:t', code }] } }))
      .expect(201);
  const res = await request(s.base).get(`/Basic?code=urn:t|${code}&_count=0`).expect(200);
  expect(res.body.total).toBe(3);
  expect(res.body.entry ?? []).toEqual([]);
  expect((res.body.link as Array<{ relation: string }>).map((l) => l.relation)).toEqual(['self']);
  const none = await request(s.base).get(`/Basic?code=urn:t|no-${code}&_count=0`).expect(200);
  expect(none.body.total).toBe(0);
});
