// GBV labels cannot be left out by not claiming the profile: our profiles that fix QuestionnaireResponse.questionnaire
// apply to every response to that Questionnaire (with or without |version), on every write path and in $validate.
// Since issue 16 point 6 the write pipeline adds the labels GBV content calls for before validation
// (src/security/labels.ts), so such writes are stored labelled instead of refused; $validate, which stores
// nothing, still reports the resource as sent.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4';
import { projectRoot } from '../../src/project-root';
import { startTestServer, type TestServer } from '../support/server';

const FHIR = 'application/fhir+json';
const GBV_Q = 'http://ephr-fhir.org/fhir/Questionnaire/gbv-clinical-enquiry';
type Json = Record<string, unknown>;
const SDV_KEY = 'http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV';
const R_KEY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R';
const labelsOf = (r: Json): string[] =>
  (((r.meta as Json | undefined)?.security as Array<{ system?: string; code?: string }> | undefined) ?? [])
    .map((c) => `${c.system}|${c.code}`)
    .sort();
const labelled = (): Json =>
  JSON.parse(
    fs.readFileSync(path.join(projectRoot, 'fixtures/profiles/valid/gbv-response-hark.json'), 'utf8'),
  ) as Json;
/** The response as a client that knows nothing of our profiles would send it: no meta.profile. */
const unclaimed = (): Json => {
  const r = labelled();
  delete (r.meta as Json).profile;
  return r;
};
const unlabelled = (): Json => {
  const r = labelled();
  delete r.meta;
  return r;
};

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const count = async (): Promise<number> =>
  (await request(s.url).get('/fhir/QuestionnaireResponse?_summary=count').expect(200)).body.total as number;
const post = (body: unknown, url = '/fhir/QuestionnaireResponse') =>
  request(s.url).post(url).set('Content-Type', FHIR).send(JSON.stringify(body));

describe('a GBV QuestionnaireResponse that does not claim EphrGbvResponse', () => {
  it.each([
    ['without meta', unlabelled(), 'QuestionnaireResponse.meta.security'],
    [
      'with meta but no security labels',
      { ...unlabelled(), meta: { source: 'clinic-a' } },
      'QuestionnaireResponse.meta.security',
    ],
    [
      'with a versioned questionnaire and only SDV',
      {
        ...unclaimed(),
        questionnaire: `${GBV_Q}|0.1.0`,
        meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' }] },
      },
      'QuestionnaireResponse.meta.security',
    ],
  ])('%s: create stores it with SDV + R added', async (_name, body) => {
    const before = await count();
    const res = await post(body);
    expect(res.status).toBe(201);
    expect(labelsOf(res.body as Json)).toEqual([SDV_KEY, R_KEY]);
    expect(await count()).toBe(before + 1);
  });

  it('PUT (update as create) stores it labelled too', async () => {
    const res = await request(s.url)
      .put('/fhir/QuestionnaireResponse/gbv-unlabelled-put')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ ...unlabelled(), id: 'gbv-unlabelled-put' }));
    expect(res.status).toBe(201);
    const read = await request(s.url).get('/fhir/QuestionnaireResponse/gbv-unlabelled-put').expect(200);
    expect(labelsOf(read.body as Json)).toEqual([SDV_KEY, R_KEY]);
  });

  it('a transaction carrying one stores it labelled', async () => {
    const before = await count();
    const res = await post(
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: unlabelled(), request: { method: 'POST', url: 'QuestionnaireResponse' } }],
      },
      '/fhir',
    );
    expect(res.status).toBe(200);
    expect(await count()).toBe(before + 1);
    const location = (res.body as { entry: Array<{ response: { location: string } }> }).entry[0]!.response
      .location;
    const read = await request(location.replace(/\/_history\/.*$/, ''))
      .get('')
      .expect(200);
    expect(labelsOf(read.body as Json)).toEqual([SDV_KEY, R_KEY]);
  });

  it('$validate reports the missing labels', async () => {
    const res = await post(
      { ...unlabelled(), meta: { source: 'clinic-a' } },
      '/fhir/QuestionnaireResponse/$validate',
    ).expect(200);
    const security = (res.body as OperationOutcome).issue.filter(
      (i) => i.severity === 'error' && i.expression?.includes('QuestionnaireResponse.meta.security'),
    );
    expect(security.length).toBeGreaterThan(0);
  });

  it('a labelled one is stored, with or without a version on the questionnaire', async () => {
    await post(unclaimed()).expect(201);
    await post({ ...unclaimed(), questionnaire: `${GBV_Q}|0.1.0` }).expect(201);
  });

  it('a JSON Patch that drops the labels of a stored one changes nothing: the labels stay, no version is added', async () => {
    const created = await post(unclaimed()).expect(201);
    const id = created.body.id as string;
    const res = await request(s.url)
      .patch(`/fhir/QuestionnaireResponse/${id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'remove', path: '/meta/security' }]));
    expect(res.status).toBe(200);
    const read = await request(s.url).get(`/fhir/QuestionnaireResponse/${id}`).expect(200);
    expect(read.body.meta.versionId).toBe('1');
    expect(read.body.meta.security).toHaveLength(2);
  });

  it('a response to another Questionnaire is not held to the GBV profile', async () => {
    await post({
      resourceType: 'QuestionnaireResponse',
      questionnaire: 'http://example.org/Questionnaire/phq-9',
      status: 'completed',
    }).expect(201);
  });
});

// GBV Conditions and screening Observations from any sender: our policy profiles (marked applies-to-every-instance)
// hold every Condition and Observation, claimed or not.
describe('a GBV Condition or Observation that claims no profile', () => {
  const SDV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' };
  const R = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
  const condition = (meta?: Json): Json => ({
    resourceType: 'Condition',
    ...(meta && { meta }),
    code: {
      coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'T74.1', display: 'Physical abuse' }],
    },
    subject: { reference: 'Patient/p1' },
  });
  const observation = (meta?: Json): Json => ({
    resourceType: 'Observation',
    ...(meta && { meta }),
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '76504-0', display: 'HARK total score' }] },
    subject: { reference: 'Patient/p1' },
    valueInteger: 2,
  });
  const total = async (type: string): Promise<number> =>
    (await request(s.url).get(`/fhir/${type}?_summary=count`).expect(200)).body.total as number;

  it.each([
    ['Condition', condition()],
    ['Condition', condition({ security: [SDV] })],
    ['Observation', observation()],
    ['Observation', observation({ tag: [SDV, R] })],
  ])(
    '%s without both labels: create stores it with both added, other labels and tags as sent',
    async (type, body) => {
      const before = await total(type);
      const res = await post(body, `/fhir/${type}`);
      expect(res.status).toBe(201);
      expect(labelsOf(res.body as Json)).toEqual([SDV_KEY, R_KEY]);
      const tag = (body.meta as Json | undefined)?.tag;
      if (tag !== undefined) expect(((res.body as Json).meta as Json).tag).toEqual(tag);
      expect(await total(type)).toBe(before + 1);
    },
  );

  it('with both labels they are stored; a Condition that is not about GBV needs none', async () => {
    await post(condition({ security: [SDV, R] }), '/fhir/Condition').expect(201);
    await post(observation({ security: [R, SDV] }), '/fhir/Observation').expect(201);
    const flu = {
      ...condition(),
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J11' }] },
    };
    await post(flu, '/fhir/Condition').expect(201);
  });
});
