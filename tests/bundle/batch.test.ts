// Batch Bundles: every entry on its own, one failure does not affect the others (issue 6, point 7), and the
// fhir-kit-client transaction and batch calls.
import request from 'supertest';
import { fhirClient } from '../support/fhir-client';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

it('answers each entry with its own status, in order', async () => {
  await request(s.url)
    .put('/fhir/Basic/b-existing')
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Basic', id: 'b-existing', code: { text: 'x' } }))
    .expect(201);
  const res = await request(s.url)
    .post('/fhir')
    .set('Content-Type', 'application/fhir+json')
    .send(
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            resource: { resourceType: 'Basic', code: { text: 'ok' } },
            request: { method: 'POST', url: 'Basic' },
          },
          {
            resource: { resourceType: 'Basic', code: { text: 'bad' }, colour: 'red' },
            request: { method: 'POST', url: 'Basic' },
          },
          { request: { method: 'GET', url: 'Basic/b-existing' } },
          { request: { method: 'GET', url: 'Basic/not-there' } },
          { request: { method: 'DELETE', url: 'Basic/b-existing' } },
          {
            request: { method: 'PUT', url: 'Basic/b-existing' },
            resource: { resourceType: 'Basic', id: 'b-existing', code: { text: 'y' } },
          },
          { request: { method: 'GET', url: 'Spaceship/1' } },
          {
            request: { method: 'PUT', url: 'Basic/b-existing' },
            resource: { resourceType: 'Basic', id: 'b-existing', code: { text: 'z' } },
          },
        ].map((e, i) => (i === 7 ? { ...e, request: { ...e.request, ifMatch: 'W/"1"' } } : e)),
      }),
    )
    .expect(200);
  expect(res.body.type).toBe('batch-response');
  const statuses = res.body.entry.map((e: { response: { status: string } }) => e.response.status);
  expect(statuses).toEqual([
    '201 Created',
    '400 Bad Request',
    '200 OK',
    '404 Not Found',
    '200 OK',
    '201 Created',
    '404 Not Found',
    '412 Precondition Failed',
  ]);
  expect(res.body.entry[1].response.outcome.issue[0].expression).toEqual(['Bundle.entry[1].resource.colour']);
  expect(res.body.entry[2].resource.id).toBe('b-existing');
  expect(res.body.entry[0].response.location).toMatch(/\/Basic\/[^/]+\/_history\/1$/);
  expect((await request(s.url).get('/fhir/Basic/b-existing').expect(200)).body.code.text).toBe('y');
});

it('works through fhir-kit-client transaction and batch', async () => {
  const client = await fhirClient(s.base);
  const tx = (await client.transaction({
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:a1',
          resource: { resourceType: 'Patient', name: [{ family: 'Nour' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'weight' },
            subject: { reference: 'urn:uuid:a1' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    },
  })) as unknown as { type: string; entry: Array<{ response: { status: string; location: string } }> };
  expect(tx.type).toBe('transaction-response');
  expect(tx.entry.map((e) => e.response.status)).toEqual(['201 Created', '201 Created']);
  const batch = (await client.batch({
    body: {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          request: {
            method: 'GET',
            url: tx.entry[1]!.response.location.split('/fhir/')[1]!.split('/_history')[0],
          },
        },
      ],
    },
  })) as unknown as { entry: Array<{ resource: { subject: { reference: string } } }> };
  expect(batch.entry[0]!.resource.subject.reference).toBe(
    tx.entry[0]!.response.location.split('/fhir/')[1]!.split('/_history')[0],
  );
});
