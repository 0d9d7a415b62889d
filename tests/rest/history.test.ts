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

type Entry = {
  fullUrl: string;
  resource?: { id: string; meta: { versionId: string } };
  request: { method: string; url: string };
  response: { status: string; etag: string };
};
type Link = { relation: string; url: string };
const link = (b: { link: Link[] }, rel: string) => b.link.find((l) => l.relation === rel)?.url;
/** "Type/id/version" of each entry, from fullUrl and etag (deletes have no resource). */
const keys = (b: { entry?: Entry[] }) =>
  (b.entry ?? []).map(
    (e) => `${e.fullUrl.split('/').slice(-2).join('/')}/${/W\/"(\d+)"/.exec(e.response.etag)![1]}`,
  );
/** Every page from `path` on, following next links. */
async function walk(
  path: string,
): Promise<{ pages: Array<{ link: Link[]; entry?: Entry[] }>; all: string[] }> {
  const pages = [];
  for (let b = await get(path); ;) {
    pages.push(b);
    const next = link(b, 'next');
    if (!next) break;
    b = await get(relative(next));
  }
  return { pages, all: pages.flatMap(keys) };
}

it("every page's self link carries its own cursor, so it names that page", async () => {
  const { id } = await create('Basic', { code: { text: '0' } });
  for (let i = 1; i < 5; i++) await put('Basic', id, { code: { text: String(i) } }).expect(200);
  const first = await get(`/fhir/Basic/${id}/_history?_count=2`);
  expect(link(first, 'self')).not.toMatch(/_page_/);
  const second = await get(relative(link(first, 'next')!));
  const self = link(second, 'self')!;
  expect(self).toMatch(/_page_after=/);
  expect(self).toBe(link(first, 'next'));
  expect(keys(await get(relative(self)))).toEqual(keys(second));
  expect(keys(second)).toEqual([`Basic/${id}/3`, `Basic/${id}/2`]);
  const back = await get(relative(link(second, 'previous')!));
  expect(link(back, 'self')).toMatch(/_page_before=/);
  expect(keys(await get(relative(link(back, 'self')!)))).toEqual(keys(back));
});

it('_count=0 answers only the total, with no entries and no next link, at every level', async () => {
  const since = new Date().toISOString();
  const { id } = await create('Basic', { code: { text: 'x' } });
  await put('Basic', id, { code: { text: 'y' } }).expect(200);
  const inst = await get(`/fhir/Basic/${id}/_history?_count=0`);
  expect(inst).toMatchObject({ type: 'history', total: 2 });
  expect(inst.entry).toBeUndefined();
  expect(link(inst, 'next')).toBeUndefined();
  expect(link(inst, 'self')).toContain('_count=0');
  const q = `_count=0&_since=${encodeURIComponent(since)}`;
  const type = await get(`/fhir/Basic/_history?${q}`);
  expect(type.total).toBe(2);
  expect(type.entry).toBeUndefined();
  const sys = await get(`/fhir/_history?${q}`);
  expect(sys.total).toBe(2);
  expect(sys.entry).toBeUndefined();
});

it('response.status is what the interaction answered: a PUT that revives a deleted resource is 201', async () => {
  const id = `revive-${Date.now()}`;
  await put('Basic', id, { code: { text: 'a' } }).expect(201);
  await put('Basic', id, { code: { text: 'b' } }).expect(200);
  const del = await request(s.url).delete(`/fhir/Basic/${id}`).expect(200);
  const revived = await put('Basic', id, { code: { text: 'c' } });
  expect(revived.status).toBe(201);
  await put('Basic', id, { code: { text: 'd' } }).expect(200);
  const h = await get(`/fhir/Basic/${id}/_history`);
  expect(h.entry.map((e: Entry) => [e.request.method, e.response.status])).toEqual([
    ['PUT', '200 OK'],
    ['PUT', `${revived.status} Created`],
    ['DELETE', `${del.status} OK`],
    ['PUT', '200 OK'],
    ['PUT', '201 Created'],
  ]);
  // the same on a page that does not hold the deleted version the revive followed
  const page = await get(`/fhir/Basic/${id}/_history?_count=2`);
  expect(page.entry[1].response.status).toBe('201 Created');
});

it('type and system history page with _since, and keep _since in every link', async () => {
  const since = new Date().toISOString();
  await sleep(5);
  const made: string[] = [];
  for (let i = 0; i < 3; i++) {
    const g = await create('Group', { type: 'person', actual: true, name: `g${i}` });
    made.push(g.id);
  }
  const sub = await create('Substance', { code: { text: 'salt' } });
  for (const id of made)
    await put('Group', id, { type: 'person', actual: true, name: `${id} renamed` }).expect(200);
  await put('Substance', sub.id, { code: { text: 'sugar' } }).expect(200);
  const expectType = [...made]
    .reverse()
    .map((id) => `Group/${id}/2`)
    .concat([...made].reverse().map((id) => `Group/${id}/1`));
  const t = await walk(`/fhir/Group/_history?_count=2&_since=${encodeURIComponent(since)}`);
  expect(t.pages).toHaveLength(3);
  expect(t.all).toEqual(expectType);
  for (const p of t.pages) expect(link(p, 'self')).toContain('_since=');
  const sys = await walk(`/fhir/_history?_count=3&_since=${encodeURIComponent(since)}`);
  expect(sys.all).toEqual([
    `Substance/${sub.id}/2`,
    ...expectType.slice(0, 3),
    `Substance/${sub.id}/1`,
    ...expectType.slice(3),
  ]);
  expect(sys.pages).toHaveLength(3);
  expect(sys.pages[0]!.entry![0]!.fullUrl).toBe(`${s.base}/Substance/${sub.id}`);
});

it('_at at type and system level: the versions current at that moment', async () => {
  const g = await create('Group', { type: 'device', actual: false, name: 'at-1' });
  const sub = await create('Substance', { code: { text: 'at-1' } });
  await sleep(30);
  const at = new Date().toISOString();
  await sleep(30);
  await put('Group', g.id, { type: 'device', actual: false, name: 'at-2' }).expect(200);
  await put('Substance', sub.id, { code: { text: 'at-2' } }).expect(200);
  const mine = (b: { entry?: Entry[] }) =>
    keys(b).filter((k) => k.startsWith(`Group/${g.id}/`) || k.startsWith(`Substance/${sub.id}/`));
  const type = await get(`/fhir/Group/_history?_at=${encodeURIComponent(at)}&_count=1000`);
  expect(mine(type)).toEqual([`Group/${g.id}/1`]);
  expect(keys(type).every((k) => k.startsWith('Group/'))).toBe(true);
  const sys = await get(`/fhir/_history?_at=${encodeURIComponent(at)}&_count=1000`);
  expect(mine(sys)).toEqual([`Substance/${sub.id}/1`, `Group/${g.id}/1`]);
  // paged one by one, the same versions come back
  const paged = await walk(`/fhir/_history?_at=${encodeURIComponent(at)}&_count=1`);
  expect(paged.all).toEqual(keys(sys));
});

describe('the access hook of the search constrains history too', () => {
  it('hides a resource from instance, type and system history, on every page', async () => {
    const hidden = await create('Basic', { code: { text: 'secret' } });
    await put('Basic', hidden.id, { code: { text: 'secret 2' } }).expect(200);
    const shown = await create('Basic', { code: { text: 'public' } });
    await put('Basic', shown.id, { code: { text: 'public 2' } }).expect(200);
    const seen: Array<[string, string | undefined]> = [];
    s.running.ctx.search.hooks.constrain = (type, filter, on) => {
      seen.push([type, on]);
      return type === 'Basic' ? { $and: [filter, { $nor: [{ id: hidden.id }] }] } : filter;
    };
    try {
      const inst = await get(`/fhir/Basic/${hidden.id}/_history`);
      expect(inst.total).toBe(0);
      expect(inst.entry).toBeUndefined();
      expect((await get(`/fhir/Basic/${hidden.id}/_history?_count=0`)).total).toBe(0);
      expect(keys(await get(`/fhir/Basic/${shown.id}/_history`))).toEqual([
        `Basic/${shown.id}/2`,
        `Basic/${shown.id}/1`,
      ]);
      const type = await walk('/fhir/Basic/_history?_count=2');
      expect(type.pages.length).toBeGreaterThan(1);
      expect(type.all.some((k) => k.startsWith(`Basic/${hidden.id}/`))).toBe(false);
      expect(type.all).toContain(`Basic/${shown.id}/2`);
      const sys = await walk('/fhir/_history?_count=3');
      expect(sys.pages.length).toBeGreaterThan(1);
      expect(sys.all.some((k) => k.startsWith(`Basic/${hidden.id}/`))).toBe(false);
      expect(sys.all).toContain(`Basic/${shown.id}/1`);
      expect(sys.all.some((k) => k.startsWith('Group/'))).toBe(true); // other types pass untouched
      const at = await get(`/fhir/Basic/_history?_at=${encodeURIComponent(new Date().toISOString())}`);
      expect(keys(at).some((k) => k.startsWith(`Basic/${hidden.id}/`))).toBe(false);
      expect(seen).toContainEqual(['Basic', 'history']);
      // the same hook hides it from the search
      const found = await get(`/fhir/Basic?_id=${hidden.id},${shown.id}`);
      expect(found.entry.map((e: Entry) => e.resource!.id)).toEqual([shown.id]);
    } finally {
      delete s.running.ctx.search.hooks.constrain;
    }
    expect(keys(await get(`/fhir/Basic/${hidden.id}/_history`))).toHaveLength(2);
  });
});
