// A transaction Bundle of `n` PUTs of Basic resources `<tag>-0` .. `<tag>-(n-1)`, and its POST to a test server,
// for the tests that hold or kill a transaction at a point of its commit.
import request from 'supertest';

export const basicTransaction = (tag: string, n: number): string =>
  JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: n }, (_, i) => ({
      resource: { resourceType: 'Basic', id: `${tag}-${i}`, code: { text: `${tag} ${i}` } },
      request: { method: 'PUT', url: `Basic/${tag}-${i}` },
    })),
  });

export const postBundle = (url: string, body: string) =>
  request(url).post('/fhir').set('Content-Type', 'application/fhir+json').send(body);
