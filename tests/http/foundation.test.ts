// Foundation: the FHIR base, metadata, health probes, negotiation and the one error path (issue 2).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { r4SchemaErrors } from '../support/r4-schema';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAX_BODY_SIZE: '64kb' });
});
afterAll(() => server.close());

function expectOutcome(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe(code);
  expect(typeof res.body.issue[0].diagnostics).toBe('string');
}

describe('GET /fhir/metadata', () => {
  it('answers a CapabilityStatement valid against the R4 schema', async () => {
    const res = await request(server.url).get('/fhir/metadata').expect(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(res.body).toMatchObject({
      resourceType: 'CapabilityStatement',
      fhirVersion: '4.0.1',
      format: ['json'],
      kind: 'instance',
      software: { name: 'ephr-fhir' },
      implementation: { url: server.base },
      rest: [{ mode: 'server' }],
    });
    expect(r4SchemaErrors(res.body)).toEqual([]);
  });

  it('is not valid when broken (the schema check can fail)', () => {
    expect(r4SchemaErrors({ resourceType: 'CapabilityStatement', status: 'nonsense' } as never)).not.toEqual(
      [],
    );
  });

  it('answers HEAD and ?_format=json', async () => {
    await request(server.url).get('/fhir/metadata?_format=json').expect(200);
    await request(server.url).get('/fhir/metadata?_format=application/fhir%2Bjson').expect(200);
    await request(server.url).get('/fhir/metadata').set('Accept', 'application/fhir+json').expect(200);
    await request(server.url).head('/fhir/metadata').expect(200);
  });
});

describe('health probes outside the FHIR base', () => {
  it('/healthz and /readyz answer', async () => {
    await request(server.url).get('/healthz').expect(200, { status: 'ok' });
    await request(server.url).get('/readyz').expect(200, { status: 'ok', database: 'ok' });
  });
});

describe('errors are OperationOutcomes with the right status', () => {
  it('404 for a route outside the base and an unknown resource type', async () => {
    expectOutcome(await request(server.url).get('/nowhere'), 404, 'not-found');
    expectOutcome(await request(server.url).get('/fhir/Spaceship/1'), 404, 'not-found');
    expectOutcome(await request(server.url).get('/fhir/Resource'), 404, 'not-found');
    expectOutcome(await request(server.url).get('/fhir/DomainResource/1'), 404, 'not-found');
  });

  it('400 for a malformed percent-encoding in the path or the query, never 500', async () => {
    const path = await request(server.url).get('/fhir/Patient/%zz');
    expectOutcome(path, 400, 'invalid');
    expect(path.body.issue[0].diagnostics).toMatch(/percent-encoding/);
    expectOutcome(await request(server.url).get('/fhir/Patient/%E0%A4%A'), 400, 'invalid');
    expectOutcome(await request(server.url).get('/fhir/%zz/_history'), 400, 'invalid');
    const query = await request(server.url).get('/fhir/Patient?name=%zz');
    expectOutcome(query, 400, 'invalid');
    expect(query.body.issue[0].expression).toEqual(['name']);
    expectOutcome(await request(server.url).get('/fhir/Patient/_history?_since=%E0%A4'), 400, 'invalid');
    expectOutcome(await request(server.url).get('/fhir/metadata?%zz=1'), 400, 'invalid');
    // well-formed escapes still work
    await request(server.url).get('/fhir/metadata?_format=application%2Ffhir%2Bjson').expect(200);
  });

  it('405 for a method the route does not have, with Allow', async () => {
    const res = await request(server.url).delete('/fhir/metadata');
    expectOutcome(res, 405, 'not-supported');
    expect(res.headers.allow).toBe('GET');
  });

  it('406 for XML or another unsupported format', async () => {
    expectOutcome(await request(server.url).get('/fhir/metadata?_format=xml'), 406, 'not-supported');
    expectOutcome(
      await request(server.url).get('/fhir/metadata').set('Accept', 'application/fhir+xml'),
      406,
      'not-supported',
    );
    expectOutcome(
      await request(server.url).get('/fhir/metadata').set('Accept', 'text/html'),
      406,
      'not-supported',
    );
  });

  it('413 for a body over MAX_BODY_SIZE', async () => {
    const big = JSON.stringify({ resourceType: 'Basic', text: 'x'.repeat(70 * 1024) });
    const res = await request(server.url)
      .post('/fhir/Basic')
      .set('Content-Type', 'application/fhir+json')
      .send(big);
    expectOutcome(res, 413, 'too-costly');
  });

  it('415 for a body that is not FHIR JSON', async () => {
    const res = await request(server.url)
      .post('/fhir/Patient')
      .set('Content-Type', 'application/fhir+xml')
      .send('<Patient xmlns="http://hl7.org/fhir"/>');
    expectOutcome(res, 415, 'not-supported');
  });

  it('gives every answer an X-Request-Id, and keeps a sane incoming one', async () => {
    const a = await request(server.url).get('/fhir/metadata');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const b = await request(server.url).get('/fhir/metadata').set('X-Request-Id', 'abc-123');
    expect(b.headers['x-request-id']).toBe('abc-123');
  });

  it('sends security headers (helmet)', async () => {
    const res = await request(server.url).get('/fhir/metadata');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
