// CORS (issue 16, point 9): only the origins in CORS_ORIGINS get Access-Control-Allow-Origin, on /fhir,
// /.well-known and /oauth; real preflight requests as a browser sends them.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

const CLINIC = 'https://clinic.example.org';
const LOCAL = 'http://localhost:3000';
const OTHER = 'https://evil.example.net';

let listed: TestServer;
let none: TestServer;
beforeAll(async () => {
  [listed, none] = await Promise.all([
    startTestServer({ CORS_ORIGINS: `${CLINIC}, ${LOCAL}` }),
    startTestServer({ CORS_ORIGINS: '' }),
  ]);
});
afterAll(() => Promise.all([listed.close(), none.close()]));

const preflight = (server: TestServer, path: string, origin: string, method = 'PUT'): request.Test =>
  request(server.url)
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', 'authorization,content-type,if-match,prefer');

const corsHeaders = (res: request.Response): string[] =>
  Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));

describe('a listed origin', () => {
  it.each(['/fhir/Patient/1', '/.well-known/smart-configuration', '/oauth/token'])(
    'gets a preflight answer for %s naming it, with the FHIR request headers allowed',
    async (path) => {
      const res = await preflight(listed, path, CLINIC);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(CLINIC);
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(',');
      for (const h of [
        'authorization',
        'content-type',
        'if-match',
        'if-none-exist',
        'prefer',
        'x-request-id',
      ])
        expect(allowed).toContain(h);
      expect(String(res.headers['access-control-allow-methods']).split(',')).toEqual(
        expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
      );
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers.vary).toMatch(/Origin/);
    },
  );

  it('reads a created resource: Location, ETag, Last-Modified and the request id are exposed', async () => {
    const created = await request(listed.url)
      .post('/fhir/Patient')
      .set('Origin', LOCAL)
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', gender: 'female' }))
      .expect(201);
    expect(created.headers['access-control-allow-origin']).toBe(LOCAL);
    const exposed = String(created.headers['access-control-expose-headers']).toLowerCase().split(',');
    expect(exposed).toEqual(
      expect.arrayContaining(['location', 'etag', 'last-modified', 'content-location', 'x-request-id']),
    );
    expect(created.headers.location).toBeDefined();
  });

  it('an error answer carries the header too, so the page can read the OperationOutcome', async () => {
    const res = await request(listed.url).get('/fhir/Patient/nope').set('Origin', CLINIC).expect(404);
    expect(res.headers['access-control-allow-origin']).toBe(CLINIC);
  });
});

describe('any other origin', () => {
  it.each(['/fhir/Patient/1', '/.well-known/smart-configuration', '/oauth/token'])(
    'gets no CORS header on a preflight for %s',
    async (path) => {
      const res = await preflight(listed, path, OTHER);
      expect(corsHeaders(res)).toEqual([]);
    },
  );

  it('gets no CORS header on a read (the browser keeps the answer from the page)', async () => {
    const res = await request(listed.url).get('/fhir/metadata').set('Origin', OTHER).expect(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('a near miss is another origin: scheme, port and a suffix all count', async () => {
    for (const origin of ['http://clinic.example.org', `${CLINIC}:8443`, `${CLINIC}.evil.net`, 'null']) {
      const res = await preflight(listed, '/fhir/Patient', origin, 'POST');
      expect(corsHeaders(res)).toEqual([]);
    }
  });

  it('a request without Origin gets no CORS header', async () => {
    const res = await request(listed.url).get('/fhir/metadata').expect(200);
    expect(corsHeaders(res)).toEqual([]);
  });
});

describe('no CORS_ORIGINS', () => {
  it('not one origin gets a CORS header', async () => {
    for (const origin of [CLINIC, LOCAL, OTHER]) {
      const pre = await preflight(none, '/fhir/Patient', origin, 'POST');
      expect(corsHeaders(pre)).toEqual([]);
      const get = await request(none.url).get('/fhir/metadata').set('Origin', origin).expect(200);
      expect(corsHeaders(get)).toEqual([]);
    }
  });
});
