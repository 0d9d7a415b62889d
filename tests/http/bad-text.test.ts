// Issue 20 point 6: bad text is refused, not repaired. Invalid UTF-8 is a 400 (it was replaced with U+FFFD and
// stored); ids follow the FHIR id rule with `.` and `..` refused wherever an id enters (path, body, Bundle entries);
// impossible dates in `_since` / `_at` are 400; and every error answer, whatever layer made it, is an OperationOutcome.
import http from 'node:http';
import net from 'node:net';
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ MAX_BODY_SIZE: '64kb' });
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';

interface Answer {
  status: number;
  contentType: string;
  body: { resourceType?: string; issue?: Array<{ code: string; diagnostics: string }> };
}

/** One request exactly as written (no client-side URL normalisation of `.` and `..`). */
function raw(
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: body === undefined ? headers : { 'Content-Type': FHIR, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: text ? JSON.parse(text) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes on the socket, for what no HTTP client sends (malformed requests). */
function socketAnswer(bytes: string): Promise<Answer> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname, () => sock.end(bytes));
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      resolve({ status, contentType, body: body ? JSON.parse(body) : {} });
    });
  });
}

function expectOutcome(a: Answer, status: number, code?: string): void {
  expect([a.status, a.body.resourceType]).toEqual([status, 'OperationOutcome']);
  expect(a.contentType).toContain('application/fhir+json');
  if (code !== undefined) expect(a.body.issue?.[0]?.code).toBe(code);
}

describe('invalid UTF-8', () => {
  const invalid = Buffer.concat([
    Buffer.from('{"resourceType":"Patient","name":[{"family":"Bad'),
    Buffer.from([0xc3, 0x28, 0xff]),
    Buffer.from('"}]}'),
  ]);

  it('is a 400, with or without charset=utf-8, and nothing is stored', async () => {
    expectOutcome(await raw('POST', '/fhir/Patient', invalid), 400);
    expectOutcome(
      await raw('POST', '/fhir/Patient', invalid, { 'Content-Type': `${FHIR}; charset=utf-8` }),
      400,
    );
    const found = await request(s.url).get('/fhir/Patient?_summary=count').expect(200);
    expect(found.body.total).toBe(0);
  });

  it('valid UTF-8 (Arabic, accents) is stored as sent', async () => {
    const res = await raw(
      'POST',
      '/fhir/Patient',
      Buffer.from('{"resourceType":"Patient","name":[{"family":"الحسن Zoë"}]}'),
    );
    expect(res.status).toBe(201);
  });
});

describe('ids follow the FHIR id rule, "." and ".." refused', () => {
  it.each(['.', '..'])('in the path: %s', async (id) => {
    expectOutcome(await raw('GET', `/fhir/Patient/${id}`), 400);
    expectOutcome(
      await raw('PUT', `/fhir/Patient/${id}`, JSON.stringify({ resourceType: 'Patient', id })),
      400,
    );
    expectOutcome(await raw('GET', `/fhir/Patient/x/_history/${id}`), 400);
  });

  it.each(['.', '..'])('in a Bundle entry: %s', async (id) => {
    const res = await request(s.url)
      .post('/fhir')
      .set('Content-Type', FHIR)
      .send(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: { resourceType: 'Patient', id }, request: { method: 'PUT', url: `Patient/${id}` } },
          ],
        }),
      );
    expect([res.status, res.body.resourceType]).toEqual([400, 'OperationOutcome']);
  });

  it.each(['.', '..'])('in a body: %s', async (id) => {
    const res = await request(s.url)
      .post('/fhir/Patient/$validate')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id }));
    expect(JSON.stringify(res.body)).toContain('not a valid id');
  });

  it('ids with dots inside stay valid', async () => {
    await request(s.url)
      .put('/fhir/Patient/a.b..c')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id: 'a.b..c' }))
      .expect(201);
  });
});

describe('impossible dates in _since and _at', () => {
  it.each([
    '_since=9999-99-99',
    '_since=2024-02-30',
    '_since=2024-13',
    '_since=2024-01-01T25:00:00Z',
    '_since=2024-01-01T10:61:00Z',
    '_at=2023-02-29',
    '_at=2024-04-31T10:00:00Z',
  ])('%s is a 400', async (q) => {
    for (const path of ['/fhir/_history', '/fhir/Patient/_history']) {
      const res = await request(s.url).get(`${path}?${q}`);
      expect([res.status, res.body.resourceType]).toEqual([400, 'OperationOutcome']);
    }
  });

  it('possible ones are answered (a leap day included)', async () => {
    await request(s.url).get('/fhir/_history?_since=2024-02-29').expect(200);
    await request(s.url).get('/fhir/_history?_at=2024-02-29T23:59:59Z').expect(200);
  });
});

describe('every error answer is an OperationOutcome', () => {
  it('431: headers larger than Node accepts', async () => {
    expectOutcome(
      await raw('GET', '/fhir/metadata', undefined, { 'X-Big': 'x'.repeat(20_000) }),
      431,
      'too-costly',
    );
  });

  it('400: malformed HTTP', async () => {
    expectOutcome(await socketAnswer('GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400);
  });

  it('404: an unknown route, outside and inside the FHIR base', async () => {
    expectOutcome(await raw('GET', '/nothing-here'), 404, 'not-found');
    expectOutcome(await raw('GET', '/fhir/NoSuchType'), 404, 'not-found');
  });

  it('413: a body over MAX_BODY_SIZE', async () => {
    const big = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'x'.repeat(70_000) }] });
    expectOutcome(await raw('POST', '/fhir/Patient', big), 413, 'too-costly');
  });

  it('400: JSON syntax', async () => {
    expectOutcome(await raw('POST', '/fhir/Patient', '{"resourceType": "Patient",'), 400, 'invalid');
  });

  it('415: an unknown charset or content encoding', async () => {
    expectOutcome(
      await raw('POST', '/fhir/Patient', '{}', { 'Content-Type': `${FHIR}; charset=no-such` }),
      415,
    );
    expectOutcome(await raw('POST', '/fhir/Patient', '{}', { 'Content-Encoding': 'no-such' }), 415);
  });

  it('400: a broken percent-encoding in the path or the query', async () => {
    expectOutcome(await raw('GET', '/fhir/Patient/%zz'), 400);
    expectOutcome(await raw('GET', '/fhir/Patient?name=%zz'), 400);
  });

  it('405 and 406', async () => {
    expectOutcome(await raw('DELETE', '/fhir/metadata'), 405);
    expectOutcome(await raw('GET', '/fhir/metadata', undefined, { Accept: 'application/xml' }), 406);
  });
});
