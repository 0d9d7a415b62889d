// Issue 20 point 2: no input changes the process. Each attack that reached Object.prototype (or a prototype lookup)
// through client-supplied keys is refused with a 4xx naming the key; afterwards the same server still answers
// ordinary requests (search, history, Patient create, import) and no object of the process has changed.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { fixturesDir } from '../mapping/fixtures';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();
const before = prototypeKeys();

interface Outcome {
  resourceType: string;
  issue: Array<{ code: string; diagnostics: string }>;
}
const diagnostics = (body: unknown): string => (body as Outcome).issue.map((i) => i.diagnostics).join(' | ');

function expectRefused(res: request.Response, status: number, naming: string): void {
  expect([res.status, (res.body as Outcome).resourceType]).toEqual([status, 'OperationOutcome']);
  expect(diagnostics(res.body)).toContain(naming);
}

const csvImport = (csv: string) =>
  request(s.url).post('/fhir/$import-ephr').set('Content-Type', 'text/csv').send(csv);
const jsonImport = (text: string, query = '') =>
  request(s.url).post(`/fhir/$import-ephr${query}`).set('Content-Type', 'application/json').send(text);

describe('attacks through client-supplied keys', () => {
  it('a CSV header __proto__.constrain is a 400 naming it', async () => {
    const res = await csvImport('ephr_id,__proto__.constrain\nGR-2099-000901,x\n');
    expectRefused(res, 400, '__proto__');
    expect(({} as Record<string, unknown>).constrain).toBeUndefined();
  });

  it('a CSV header constructor.prototype.polluted is a 400 naming it', async () => {
    const res = await csvImport('ephr_id,constructor.prototype.polluted\nGR-2099-000902,x\n');
    expectRefused(res, 400, 'constructor');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a JSON __proto__ key with ?format= is a 400 naming it', async () => {
    const res = await jsonImport(
      '{"record_id":"GR-2099-000903","__proto__":{"constrain":"x"}}',
      '?format=example-clinic-export',
    );
    expectRefused(res, 400, '__proto__');
    expect(({} as Record<string, unknown>).constrain).toBeUndefined();
  });

  it('a JSON __proto__ or constructor key in an e-PHR record is a 400 naming it', async () => {
    expectRefused(await jsonImport('{"ephrId":"GR-2099-000904","__proto__":{"a":1}}'), 400, '__proto__');
    expectRefused(
      await jsonImport('[{"ephrId":"GR-2099-000905","x":{"constructor":{"prototype":{"b":1}}}}]'),
      400,
      'constructor',
    );
  });

  it('$import-ephr refuses a form body (415), which any web page can make a browser send', async () => {
    const res = await request(s.url)
      .post('/fhir/$import-ephr')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('{"ephrId":"GR-2099-000906"}');
    expectRefused(res, 415, 'text/csv');
  });

  it('a FHIRPath Patch add named __proto__ is a 400 naming it', async () => {
    const created = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', gender: 'female' }))
      .expect(201);
    const res = await request(s.url)
      .patch(`/fhir/Patient/${created.body.id as string}`)
      .set('Content-Type', 'application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            {
              name: 'operation',
              part: [
                { name: 'type', valueCode: 'add' },
                { name: 'path', valueString: 'Patient' },
                { name: 'name', valueString: '__proto__' },
                { name: 'value', valueString: 'x' },
              ],
            },
          ],
        }),
      );
    expectRefused(res, 400, '__proto__');
  });

  it('an operation named after a prototype key ($constructor) is unknown (404), not a failure', async () => {
    for (const op of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await request(s.url).post(`/fhir/$${op}`).set('Content-Type', 'application/fhir+json');
      expectRefused(res, 404, `$${op}`);
    }
  });

  it('an AuditEvent search parameter named constructor is no search field (4xx or ignored, never 5xx)', async () => {
    const res = await request(s.url).get('/fhir/AuditEvent?constructor=x&toString=y');
    expect(res.status).toBeLessThan(500);
  });
});

describe('after every attack, the same server', () => {
  it('has not changed Object.prototype', () => {
    expect(prototypeKeys()).toEqual(before);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('still searches, lists history, creates a Patient and imports', async () => {
    await request(s.url).get('/fhir/Patient?gender=female').expect(200);
    await request(s.url).get('/fhir/_history').expect(200);
    await request(s.url).get('/fhir/Patient/_history').expect(200);
    await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Haddad' }] }))
      .expect(201);
    const csv = fs.readFileSync(path.join(fixturesDir, 'clinic-export.csv'), 'utf8');
    const res = await csvImport(csv).expect(200);
    expect(JSON.stringify(res.body)).not.toContain('"failed"');
  });
});
