// No names, identifiers or GBV answers in logs (issue 16, point 9). The run's servers log at debug level into one
// file that the global teardown checks (tests/support/global-teardown.ts); this file shows that the check is real:
// its list of strings comes from the fixtures and is large, it finds a name a logger writes, and a server put
// through the paths that quote values (searches, conditional creates, invalid bodies, transactions, GBV imports)
// writes none of them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createLogger, safeError } from '../../src/logger';
import { openServer, type RunningServer } from '../../src/server';
import { loggableUrl } from '../../src/http/request-log';
import { findSensitive, sensitiveStrings } from '../support/log-check';
import { freePort, testDatabaseUri } from '../support/server';

const FIXTURES = path.resolve(__dirname, '../../fixtures/ephr');
/** The parts of an e-PHR record (fixtures/ephr) this test reads. */
interface EphrFixture {
  ephrId: string;
  identification: { names: { family: string; given: string[] }[]; birthDate?: string };
  episodes: { gbv?: { response?: { safeContact?: string }; incident?: { perpetrator?: string } } }[];
}
const fixture = (name: string): EphrFixture =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as EphrFixture;
const ephrFixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-log-privacy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const sensitive = sensitiveStrings();

describe('the strings the run log is searched for', () => {
  it('are many, from the fixtures, the R4 examples and the tests', () => {
    expect(sensitive.length).toBeGreaterThan(400);
  });

  it('hold the identity and GBV answers of every e-PHR fixture, read here from the files', () => {
    for (const f of ephrFixtures) expect(sensitive).toContain(fixture(f).ephrId);
    const gbv = fixture('08-gbv-disclosed.json');
    expect(sensitive).toEqual(
      expect.arrayContaining([
        gbv.identification.names[0]!.family,
        gbv.identification.names[0]!.given[0],
        gbv.episodes[0]!.gbv!.response!.safeContact,
        gbv.episodes[0]!.gbv!.incident!.perpetrator,
      ]),
    );
    const arabic = fixture('05-arabic-script-only.json');
    expect(sensitive).toContain(arabic.identification.names[0]!.family);
  });

  it('hold the names of the R4 example patients the tests post', () => {
    const r4 = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
    const chalmers = JSON.parse(fs.readFileSync(path.join(r4, 'Patient-example.json'), 'utf8'));
    expect(sensitive).toContain(chalmers.name[0].family);
  });
});

describe('the check', () => {
  it('finds a name a logger of the server writes, naming the line and the string', () => {
    const file = path.join(dir, 'leak.log');
    const logger = createLogger('debug', pino.destination({ dest: file, sync: true }));
    logger.info({ req: { method: 'GET', url: '/fhir/Patient?_count=5' } }, 'request completed');
    logger.info({ req: { method: 'GET', url: '/fhir/Patient?family=Noori' } }, 'request completed');
    logger.warn(`conditional create matched 2 patients with identifier GR-2023-000108`);
    const found = findSensitive(fs.readFileSync(file, 'utf8'), sensitive);
    expect(found.map((f) => [f.line, f.string])).toEqual([
      [2, 'Noori'],
      [3, 'GR-2023-000108'],
    ]);
  });

  it('finds a name in any case and without its accents, as a whole word only', () => {
    const log = ['{"msg":"maryam"}', '{"msg":"MUNOZ"}', '{"msg":"Maryamabad"}'].join('\n');
    expect(findSensitive(log, ['Maryam', 'Muñoz']).map((f) => f.line)).toEqual([1, 2]);
  });
});

describe('what the server logs', () => {
  it('a request: the query parameter names, never their values', () => {
    expect(loggableUrl('/fhir/Patient?family=Noori&birthdate=1993&identifier=x%7CGR-1&_count=5')).toBe(
      '/fhir/Patient?family=*&birthdate=*&identifier=*&_count=*',
    );
    expect(loggableUrl('/fhir/Patient?Maryam%20Noori=1&name:contains=a&&x=%zz')).toBe(
      '/fhir/Patient??=*&name:contains=*&x=*',
    );
    expect(
      loggableUrl('/fhir/Observation?subject:Patient.name=x&_has:Observation:patient:code=y&Noori=1'),
    ).toBe('/fhir/Observation?subject:Patient.name=*&_has:Observation:patient:code=*&?=*');
    expect(loggableUrl('/fhir/Patient/123/_history/2')).toBe('/fhir/Patient/123/_history/2');
  });

  it('an error: its type, code and stack, without the values its message quotes or its other properties', () => {
    const dup = Object.assign(
      new Error('E11000 duplicate key error dup key: { _id: "Patient|name|noori" }'),
      {
        code: 11000,
        keyValue: { _id: 'Patient|name|noori' },
      },
    );
    const logged = JSON.stringify(safeError(dup));
    expect(logged).not.toMatch(/noori/i);
    expect(safeError(dup)).toMatchObject({
      type: 'Error',
      code: 11000,
      message: 'E11000 duplicate key error dup key: {*}',
    });
    expect(
      JSON.stringify(safeError(new SyntaxError('Unexpected token \'M\', "Maryam Noori" is not valid JSON'))),
    ).not.toMatch(/Maryam|Noori/);
  });
});

describe('a server through the paths that quote values logs none of them', () => {
  let running: RunningServer;
  let url: string;
  const file = path.join(dir, 'server.log');
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      PORT: String(port),
      BASE_URL: `${url}/fhir`,
      MONGODB_URI: testDatabaseUri(),
      DB_NAME: `t_${crypto.randomBytes(8).toString('hex')}`,
      LOG_LEVEL: 'debug',
      DEV_UNAUTHENTICATED: 'loopback',
    });
    running = await openServer(config, createLogger('debug', pino.destination({ dest: file, sync: true })));
  });
  afterAll(async () => {
    await running.db.dropDatabase();
    await running.close();
  });

  it('imports, searches, conditional creates, invalid bodies, transactions', async () => {
    const post = (p: string, body: unknown, type = 'application/fhir+json') =>
      request(url)
        .post(p)
        .set('Content-Type', type)
        .send(typeof body === 'string' ? body : JSON.stringify(body));
    // every e-PHR fixture, GBV enquiries included
    for (const f of ephrFixtures) await post('/fhir/$import-ephr', fixture(f), 'application/json');
    const gbv = fixture('08-gbv-disclosed.json');
    const family = gbv.identification.names[0]!.family;
    const given = gbv.identification.names[0]!.given[0]!;
    // searches by name, identifier, birth date, with an error in them too
    for (const q of [
      `family=${family}`,
      `name=${given}`,
      `identifier=${gbv.ephrId}`,
      `birthdate=${gbv.identification.birthDate ?? ''}`,
      `family:exact=${family}&_count=${family}`,
      `${family}=1`,
    ])
      await request(url).get(`/fhir/Patient?${q}`);
    // conditional creates that collide: two patients with one family name
    const patient = {
      resourceType: 'Patient',
      name: [{ family, given: [given] }],
      identifier: [{ value: gbv.ephrId }],
    };
    await post('/fhir/Patient', patient);
    await post('/fhir/Patient', patient);
    const collide = await request(url)
      .post('/fhir/Patient')
      .set('Content-Type', 'application/fhir+json')
      .set('If-None-Exist', `family=${family}`)
      .send(JSON.stringify(patient));
    expect(collide.status).toBe(412);
    // bodies that are not JSON, or not valid, and that start with the name
    await post('/fhir/Patient', `${family} ${given}`);
    await post('/fhir/Patient', { ...patient, birthDate: family });
    await post('/fhir/Patient', {
      ...patient,
      text: { status: 'generated', div: `<div><script>${family}</script></div>` },
    });
    // a transaction whose second entry fails, naming the identifier in its condition
    await post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { ...patient, gender: family },
          request: { method: 'PUT', url: `Patient?identifier=${gbv.ephrId}` },
        },
      ],
    });
    const log = fs.readFileSync(file, 'utf8');
    // The log saw those requests (the check is not of an empty file)...
    expect(log).toMatch(/"url":"\/fhir\/Patient\?family=\*"/);
    expect(log).toMatch(/"status":412,"issues":\["[a-z-]+"\]/);
    expect(log.split('\n').length).toBeGreaterThan(30);
    // ...and holds none of the strings
    expect(findSensitive(log, sensitive).map((f) => `${f.line}: ${f.string}`)).toEqual([]);
  });
});
