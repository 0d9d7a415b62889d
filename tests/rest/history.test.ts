// History at instance, type and system level, with _count, _since, _at and stable paging (issue 3, point 8).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const create = async (type: string, body: object) =>
  (
    await request(s.url)
      .post(`/fhir/${type}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: type, ...body }))
  ).body as { id: string };
const put = (type: string, id: string, body: object) =>
  request(s.url)
    .put(`/fhir/${type}/${id}`)
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: type, id, ...body }));
const get = async (path: string) => (await request(s.url).get(path).expect(200)).body;
const relative = (url: string) => url.slice(s.url.length);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('instance history: newest first, with fullUrl, resource, request and response; deletes have no resource', async () => {
  const { id } = await create('Basic', { code: { text: 'a' } });
  await put('Basic', id, { code: { text: 'b' } }).expect(200);
  await request(s.url).delete(`/fhir/Basic/${id}`).expect(200);
  const b = await get(`/fhir/Basic/${id}/_history`);
  expect(b).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 3 });
  expect(b.entry.map((e: { response: { etag: string } }) => e.response.etag)).toEqual([
    'W/"3"',
    'W/"2"',
    'W/"1"',
  ]);
  const [d, u, c] = b.entry;
  expect(d.resource).toBeUndefined();
  expect(d.request).toEqual({ method: 'DELETE', url: `Basic/${id}` });
  expect(u.request).toEqual({ method: 'PUT', url: `Basic/${id}` });
  expect(u.resource.code.text).toBe('b');
  expect(c.request).toEqual({ method: 'POST', url: 'Basic' });
  expect(c.response.status).toBe('201 Created');
  expect(c.fullUrl).toBe(`${s.base}/Basic/${id}`);
  expect(Date.parse(c.response.lastModified)).toBeLessThanOrEqual(Date.parse(u.response.lastModified));
  expect(b.link[0]).toEqual({ relation: 'self', url: `${s.base}/Basic/${id}/_history?_count=50` });
});

it('type and system history list every type and every version', async () => {
  const a = await create('Flag', {
    status: 'active',
    code: { text: 'x' },
    subject: { reference: 'Patient/p' },
  });
  await put('Flag', a.id, { status: 'inactive', code: { text: 'x' }, subject: { reference: 'Patient/p' } });
  const t = await get('/fhir/Flag/_history');
  expect(t.entry.every((e: { fullUrl: string }) => e.fullUrl.includes('/Flag/'))).toBe(true);
  expect(t.entry.filter((e: { fullUrl: string }) => e.fullUrl.endsWith(a.id))).toHaveLength(2);
  const sys = await get('/fhir/_history?_count=1000');
  const types = new Set(sys.entry.map((e: { fullUrl: string }) => e.fullUrl.split('/').slice(-2)[0]));
  expect(types.has('Flag')).toBe(true);
  expect(types.has('Basic')).toBe(true);
});

it('_since and _at select by time', async () => {
  const { id } = await create('Basic', { code: { text: 'v1' } });
  await sleep(30);
  const between = new Date().toISOString();
  await sleep(30);
  await put('Basic', id, { code: { text: 'v2' } }).expect(200);
  await sleep(30);
  await put('Basic', id, { code: { text: 'v3' } }).expect(200);
  const since = await get(`/fhir/Basic/${id}/_history?_since=${encodeURIComponent(between)}`);
  expect(since.entry.map((e: { resource: { code: { text: string } } }) => e.resource.code.text)).toEqual([
    'v3',
    'v2',
  ]);
  // At `between`, version 1 was current: _at finds it (and nothing written later than that instant).
  const at = await get(`/fhir/Basic/${id}/_history?_at=${encodeURIComponent(between)}`);
  expect(at.entry.map((e: { resource: { code: { text: string } } }) => e.resource.code.text)).toEqual(['v1']);
  expect((await request(s.url).get(`/fhir/Basic/${id}/_history?_since=yesterday`)).status).toBe(400);
});

it('pages with _count and next/previous links that stay right while new versions arrive', async () => {
  const { id } = await create('Basic', { code: { text: '0' } });
  for (let i = 1; i < 7; i++) await put('Basic', id, { code: { text: String(i) } }).expect(200);
  const seen: string[] = [];
  let page = await get(`/fhir/Basic/${id}/_history?_count=3`);
  const firstPageSelf = page;
  // a new version arrives after the first page was served
  await put('Basic', id, { code: { text: 'late' } }).expect(200);
  for (;;) {
    seen.push(...page.entry.map((e: { resource: { code: { text: string } } }) => e.resource.code.text));
    const next = page.link.find((l: { relation: string }) => l.relation === 'next');
    if (!next) break;
    page = await get(relative(next.url));
    expect(page.link.some((l: { relation: string }) => l.relation === 'previous')).toBe(true);
  }
  expect(seen).toEqual(['6', '5', '4', '3', '2', '1', '0']);
  expect(firstPageSelf.link.some((l: { relation: string }) => l.relation === 'previous')).toBe(false);
  // previous from the second page is the first page again
  const second = await get(
    relative(firstPageSelf.link.find((l: { relation: string }) => l.relation === 'next').url),
  );
  const prev = await get(
    relative(second.link.find((l: { relation: string }) => l.relation === 'previous').url),
  );
  expect(prev.entry.map((e: { resource: { code: { text: string } } }) => e.resource.code.text)).toEqual([
    '6',
    '5',
    '4',
  ]);
  expect((await request(s.url).get(`/fhir/Basic/${id}/_history?_page_after=garbage`)).status).toBe(400);
});
