// Security labels follow GBV content (issue 16 point 6): whatever the sender sent, on create, update, patch,
// conditional writes, batch and transaction entries, GBV content is stored with SDV + R, and no write takes them off
// without the label-admin role. Real server, real database, development caller.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Bundle, Coding } from 'fhir/r4';
import { projectRoot } from '../../src/project-root';
import { startTestServer, type TestServer } from '../support/server';

const FHIR = 'application/fhir+json';
const SDV = 'http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV';
const R = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R';
type Json = Record<string, unknown>;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const labelsOf = (r: Json): string[] =>
  (((r.meta as Json | undefined)?.security as Coding[] | undefined) ?? [])
    .map((c) => `${c.system}|${c.code}`)
    .sort();
const post = (type: string, body: unknown) =>
  request(s.url).post(`/fhir/${type}`).set('Content-Type', FHIR).send(JSON.stringify(body));
const read = async (type: string, id: string): Promise<Json> =>
  (await request(s.url).get(`/fhir/${type}/${id}`).expect(200)).body as Json;
const searchIds = async (query: string): Promise<string[]> => {
  const b = (await request(s.url).get(`/fhir/${query}`).expect(200)).body as Bundle;
  return (b.entry ?? []).map((e) => e.resource!.id!);
};

/** The GBV enquiry response of the profile fixtures, as a client that knows nothing of labels sends it. */
const gbvResponse = (): Json => {
  const r = JSON.parse(
    fs.readFileSync(path.join(projectRoot, 'fixtures/profiles/valid/gbv-response-hark.json'), 'utf8'),
  ) as Json;
  delete r.meta;
  delete r.id;
  return r;
};
const referral = (reason: string, extra: Json = {}): Json => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  code: { text: 'Referral' },
  subject: { reference: 'Patient/p-labels' },
  reasonCode: [{ text: reason }],
  ...extra,
});
const bloodPressure = (): Json => ({
  resourceType: 'Observation',
  status: 'final',
  category: [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
    },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
  subject: { reference: 'Patient/p-labels' },
  effectiveDateTime: '2024-01-10',
  component: [
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      valueQuantity: { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
      valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  ],
});
const medication = (reasonReference: string): Json => ({
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { text: 'Tenofovir/emtricitabine + dolutegravir, 28 days' },
  subject: { reference: 'Patient/p-labels' },
  supportingInformation: [{ reference: reasonReference }],
});

describe('GBV content is labelled whatever the sender sent', () => {
  it('a referral for "Clinical management of rape" without labels is stored with SDV + R, and _security:not leaves it out', async () => {
    const gbv = await post('ServiceRequest', referral('Clinical management of rape')).expect(201);
    expect(labelsOf(gbv.body as Json)).toEqual([SDV, R].sort());
    expect(labelsOf(await read('ServiceRequest', gbv.body.id as string))).toEqual([SDV, R].sort());
    const ordinary = await post('ServiceRequest', referral('Cardiology: uncontrolled hypertension')).expect(
      201,
    );
    const notSdv = await searchIds(`ServiceRequest?_security:not=${encodeURIComponent(SDV)}`);
    expect(notSdv).toContain(ordinary.body.id);
    expect(notSdv).not.toContain(gbv.body.id);
    expect(await searchIds(`ServiceRequest?_security=${encodeURIComponent(SDV)}`)).toContain(gbv.body.id);
  });

  it('phrases match whole words, case- and accent-insensitively, in CodeableConcept.text and Coding.display', async () => {
    const french = await post('ServiceRequest', referral('Prise en charge après VIOL')).expect(201);
    expect(labelsOf(french.body as Json)).toEqual([SDV, R].sort());
    const display = await post(
      'ServiceRequest',
      referral('Referral', {
        reasonCode: [
          { coding: [{ system: 'http://example.org/local', code: 'x1', display: 'Sexual-Assault' }] },
        ],
      }),
    ).expect(201);
    expect(labelsOf(display.body as Json)).toEqual([SDV, R].sort());
    // "rapeseed" and "violence" are other words than "rape" and "viol"; a note is no CodeableConcept.
    const allergy = await post(
      'ServiceRequest',
      referral('Allergy to rapeseed oil; road violence injury', { note: [{ text: 'no GBV codes here' }] }),
    ).expect(201);
    expect(labelsOf(allergy.body as Json)).toEqual([]);
  });

  it('a GBV code in code, value or category labels the resource (ICD-10 T74.1 Condition, HARK answer)', async () => {
    const condition = await post('Condition', {
      resourceType: 'Condition',
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'T74.1' }] },
      subject: { reference: 'Patient/p-labels' },
    }).expect(201);
    expect(labelsOf(condition.body as Json)).toEqual([SDV, R].sort());
    const procedure = await post('Procedure', {
      resourceType: 'Procedure',
      status: 'completed',
      code: { text: 'Counselling' },
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z91.410' }] }],
      subject: { reference: 'Patient/p-labels' },
    }).expect(201);
    expect(labelsOf(procedure.body as Json)).toEqual([SDV, R].sort());
  });

  it('ordinary data stays unlabelled: a blood pressure, an ordinary referral, a PHQ-9 answer', async () => {
    const bp = await post('Observation', bloodPressure()).expect(201);
    expect((bp.body as Json).meta).not.toHaveProperty('security');
    const sr = await post('ServiceRequest', referral('Routine antenatal care')).expect(201);
    expect((sr.body as Json).meta).not.toHaveProperty('security');
    const phq = await post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '44261-6', display: 'PHQ-9 total score' }] },
      subject: { reference: 'Patient/p-labels' },
      valueInteger: 14,
    }).expect(201);
    expect((phq.body as Json).meta).not.toHaveProperty('security');
  });

  it('a QuestionnaireResponse with the GBV enquiry answers is labelled whatever its questionnaire says', async () => {
    const qr = await post('QuestionnaireResponse', {
      ...gbvResponse(),
      questionnaire: 'http://example.org/Questionnaire/anything-else',
    }).expect(201);
    expect(labelsOf(qr.body as Json)).toEqual([SDV, R].sort());
  });

  it('a resource that references a GBV-labelled resource is labelled (MedicationRequest -> GBV QuestionnaireResponse)', async () => {
    const qr = await post('QuestionnaireResponse', gbvResponse()).expect(201);
    const mr = await post(
      'MedicationRequest',
      medication(`QuestionnaireResponse/${qr.body.id as string}`),
    ).expect(201);
    expect(labelsOf(mr.body as Json)).toEqual([SDV, R].sort());
    // and one that references an ordinary resource is not
    const bp = await post('Observation', bloodPressure()).expect(201);
    const plain = await post('MedicationRequest', medication(`Observation/${bp.body.id as string}`)).expect(
      201,
    );
    expect((plain.body as Json).meta).not.toHaveProperty('security');
  });

  it('a label on a Patient does not spread to everything that names the patient', async () => {
    await request(s.url)
      .put('/fhir/Patient/p-labelled')
      .set('Content-Type', FHIR)
      .send(
        JSON.stringify({
          resourceType: 'Patient',
          id: 'p-labelled',
          meta: { security: [{ system: SDV.split('|')[0], code: 'SDV' }] },
        }),
      )
      .expect(201);
    const bp = await post('Observation', {
      ...bloodPressure(),
      subject: { reference: 'Patient/p-labelled' },
    }).expect(201);
    expect((bp.body as Json).meta).not.toHaveProperty('security');
  });
});

describe('inside one transaction', () => {
  it('entries referencing a GBV entry by urn:uuid are labelled, whatever their order (a chain of two)', async () => {
    const uuid = (n: number) => `urn:uuid:6b1e3b1c-0000-4000-8000-00000000000${n}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: uuid(1),
          resource: referral('Follow-up', { basedOn: [{ reference: uuid(2) }], reasonCode: undefined }),
          request: { method: 'POST', url: 'ServiceRequest' },
        },
        {
          fullUrl: uuid(2),
          resource: medication(uuid(3)),
          request: { method: 'POST', url: 'MedicationRequest' },
        },
        {
          fullUrl: uuid(3),
          resource: gbvResponse(),
          request: { method: 'POST', url: 'QuestionnaireResponse' },
        },
        { fullUrl: uuid(4), resource: bloodPressure(), request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const res = await request(s.url).post('/fhir').set('Content-Type', FHIR).send(JSON.stringify(bundle));
    expect(res.status).toBe(200);
    const locations = (res.body as Bundle).entry!.map((e) => e.response!.location!.split('/_history')[0]!);
    const stored = await Promise.all(
      locations.map((l) =>
        request(l)
          .get('')
          .expect(200)
          .then((r) => r.body as Json),
      ),
    );
    expect(stored.map((r) => [r.resourceType, labelsOf(r)])).toEqual([
      ['ServiceRequest', [SDV, R].sort()],
      ['MedicationRequest', [SDV, R].sort()],
      ['QuestionnaireResponse', [SDV, R].sort()],
      ['Observation', []],
    ]);
  });

  it('a batch entry is labelled like a create', async () => {
    const res = await request(s.url)
      .post('/fhir')
      .set('Content-Type', FHIR)
      .send(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            {
              resource: referral('Domestic violence shelter'),
              request: { method: 'POST', url: 'ServiceRequest' },
            },
          ],
        }),
      )
      .expect(200);
    const location = (res.body as Bundle).entry![0]!.response!.location ?? '';
    const id = /ServiceRequest\/([^/]+)/.exec(location)![1]!;
    expect(labelsOf(await read('ServiceRequest', id))).toEqual([SDV, R].sort());
  });
});

describe('labels cannot be taken off without label-admin', () => {
  it('a PATCH that removes meta and points questionnaire elsewhere keeps the labels', async () => {
    const qr = await post('QuestionnaireResponse', gbvResponse()).expect(201);
    const id = qr.body.id as string;
    await request(s.url)
      .patch(`/fhir/QuestionnaireResponse/${id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send(
        JSON.stringify([
          { op: 'remove', path: '/meta' },
          { op: 'replace', path: '/questionnaire', value: 'http://example.org/Questionnaire/other' },
        ]),
      )
      .expect(200);
    const stored = await read('QuestionnaireResponse', id);
    expect((stored.meta as Json).versionId).toBe('2');
    expect(stored.questionnaire).toBe('http://example.org/Questionnaire/other');
    expect(labelsOf(stored)).toEqual([SDV, R].sort());
  });

  it('a PUT without meta keeps the labels the current version carries; other labels and tags stay as sent', async () => {
    const labelledByHand = {
      ...bloodPressure(),
      meta: {
        security: [
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' },
          { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' },
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST' },
        ],
      },
    };
    const created = await post('Observation', labelledByHand).expect(201);
    const id = created.body.id as string;
    const V = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|V';
    expect(labelsOf(created.body as Json)).toEqual(
      [SDV, V, 'http://terminology.hl7.org/CodeSystem/v3-ActReason|HTEST'].sort(),
    );
    await request(s.url)
      .put(`/fhir/Observation/${id}`)
      .set('Content-Type', FHIR)
      .send(
        JSON.stringify({
          ...bloodPressure(),
          id,
          meta: { tag: [{ system: 'http://example.org/tags', code: 'reviewed' }] },
          status: 'amended',
        }),
      )
      .expect(200);
    const stored = await read('Observation', id);
    expect(stored.status).toBe('amended');
    expect(labelsOf(stored)).toEqual([SDV, V].sort());
    expect((stored.meta as Json).tag).toEqual([{ system: 'http://example.org/tags', code: 'reviewed' }]);
  });

  it('a conditional update without meta keeps them too', async () => {
    const ident = { system: 'http://example.org/ids', value: 'sr-cond-1' };
    await post('ServiceRequest', referral('Clinical management of rape', { identifier: [ident] })).expect(
      201,
    );
    await request(s.url)
      .put(`/fhir/ServiceRequest?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify(referral('Follow-up visit', { identifier: [ident], status: 'completed' })))
      .expect(200);
    const found = (
      await request(s.url)
        .get(`/fhir/ServiceRequest?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}`)
        .expect(200)
    ).body as Bundle;
    const sr = found.entry![0]!.resource as unknown as Json;
    expect(sr.status).toBe('completed');
    expect(labelsOf(sr)).toEqual([SDV, R].sort());
  });

  it('with labelAdmin the labels come off (and without it the same write keeps them)', async () => {
    const created = await post('ServiceRequest', referral('Clinical management of rape')).expect(201);
    const id = created.body.id as string;
    const corrected = referral('Clinical management of rape seed oil allergy (mis-keyed)', { id });
    // The same write without the role: kept.
    await s.running.ctx.repo.write('ServiceRequest', id, () => ({ kind: 'put', tree: { ...corrected } }), {
      method: 'PUT',
    });
    expect(labelsOf(await read('ServiceRequest', id))).toEqual([SDV, R].sort());
    const out = await s.running.ctx.repo.write(
      'ServiceRequest',
      id,
      () => ({ kind: 'put', tree: { ...corrected, status: 'revoked' } }),
      { method: 'PUT', labelAdmin: true },
    );
    expect(out?.changed).toBe(true);
    const stored = await read('ServiceRequest', id);
    expect(stored.status).toBe('revoked');
    expect(labelsOf(stored)).toEqual([]);
    const notSdv = await searchIds(`ServiceRequest?_security:not=${encodeURIComponent(SDV)}`);
    expect(notSdv).toContain(id);
  });
});
