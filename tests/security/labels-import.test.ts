// $import-ephr stores every resource derived from the GBV part of an episode with SDV + R (issue 16 point 6), and
// leaves the rest of the record unlabelled; a sender that strips the labels from the Bundle changes nothing.
import request from 'supertest';
import type { Bundle, Coding, FhirResource } from 'fhir/r4';
import { loadFixture } from '../mapping/fixtures';
import { startTestServer, type TestServer } from '../support/server';

const ITEM = 'http://ephr-fhir.org/fhir/sid/ephr-item';
const LABELS = [
  'http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV',
  'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R',
];

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ IMPORT_CLINIC: 'Test reception clinic' });
  await request(s.url)
    .post('/fhir/$import-ephr')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify([loadFixture('08-gbv-disclosed'), loadFixture('25-gbv-pep')]))
    .expect(200);
}, 120_000);
afterAll(() => s.close());

const labelled = (r: FhirResource): boolean => {
  const have = (r.meta?.security ?? []).map((c: Coding) => `${c.system}|${c.code}`);
  return LABELS.every((l) => have.includes(l));
};

/** Every stored resource of a record whose item identifier starts with `prefix`, by item (labelled or not). */
async function stored(type: string, prefix: string): Promise<Map<string, boolean>> {
  const b = (await request(s.url).get(`/fhir/${type}?_count=500`).expect(200)).body as Bundle;
  const out = new Map<string, boolean>();
  for (const e of b.entry ?? []) {
    const r = e.resource as FhirResource & { identifier?: unknown };
    const ids = [r.identifier ?? []].flat() as Array<{ system?: string; value?: string }>;
    const item = ids.find((i) => i.system === ITEM)?.value;
    if (item?.startsWith(prefix)) out.set(item.slice(prefix.length), labelled(r));
  }
  return out;
}

describe('e-PHR import: what the GBV part derives is labelled', () => {
  it('08: the enquiry response, its screening Observations, its referrals and the T74.1 diagnosis', async () => {
    const p = 'GR-2023-000108/E1/';
    expect(Object.fromEntries(await stored('QuestionnaireResponse', p))).toEqual({ 'gbv/response': true });
    const obs = await stored('Observation', p);
    expect(
      [...obs]
        .filter(([, l]) => l)
        .map(([k]) => k)
        .sort(),
    ).toEqual([
      'gbv/hark-total',
      'gbv/hark/76500-8',
      'gbv/hark/76501-6',
      'gbv/hark/76502-4',
      'gbv/hark/76503-2',
    ]);
    // the examination, PHQ-9 and GAD-7 of the same episode stay ordinary data
    expect(obs.get('exam/skin')).toBe(false);
    expect(obs.get('mental/phq9/total')).toBe(false);
    expect(obs.get('mental/gad7/total')).toBe(false);
    expect(Object.fromEntries(await stored('ServiceRequest', p))).toEqual({
      'gbv/referral/gbv-case-management': true,
      'gbv/referral/psychosocial': true,
    });
    expect(Object.fromEntries(await stored('Condition', p))).toEqual({
      'diagnosis/d1': true, // T74.1 physical abuse
      'diagnosis/d2': false, // G47.0 insomnia
    });
    expect(Object.fromEntries(await stored('Encounter', p))).toEqual({ encounter: false });
  });

  it('25: the PEP and emergency contraception, flagged items and the CMR referrals; not the paracetamol or the dentist', async () => {
    const p = 'IT-2024-000125/E1/';
    expect(Object.fromEntries(await stored('Procedure', p))).toEqual({
      'treatment/t1': true,
      'treatment/t2': true,
      'treatment/t3': true,
      'treatment/t4': false,
    });
    expect(Object.fromEntries(await stored('ServiceRequest', p))).toEqual({
      'gbv/referral/medical-cmr': true,
      'referral/r1': true,
      'referral/r2': true,
      'referral/r3': false,
      'follow-up': true,
    });
  });

  it('the Provenance of a record with GBV content is labelled (it references GBV resources); the Patient is not', async () => {
    const prov = (await request(s.url).get('/fhir/Provenance').expect(200)).body as Bundle;
    expect(prov.entry).toHaveLength(2);
    expect(prov.entry!.map((e) => labelled(e.resource as FhirResource))).toEqual([true, true]);
    const patients = (await request(s.url).get('/fhir/Patient').expect(200)).body as Bundle;
    expect(patients.entry!.map((e) => labelled(e.resource as FhirResource))).toEqual([false, false]);
  });

  it('a Bundle of the record with every label stripped: the server labels what the content shows, not what only the mapping knows (PEP)', async () => {
    const mapped = await request(s.url)
      .post('/fhir/$import-ephr?dryRun=true')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(loadFixture('25-gbv-pep')))
      .expect(200);
    const part = (mapped.body.parameter[0].part as Array<{ name: string; resource?: Bundle }>).find(
      (x) => x.name === 'bundle',
    );
    const bundle = part!.resource!;
    const record = 'IT-2024-000125';
    for (const e of bundle.entry ?? []) {
      const r = e.resource as FhirResource & { identifier?: unknown };
      if (r.meta) delete r.meta.security;
      if (r.meta && Object.keys(r.meta).length === 0) delete r.meta;
      // a new record id, so these are new resources and nothing is carried over from the import above
      rewriteRecordId(r, record, 'IT-2024-999125');
      if (e.request?.url) e.request.url = e.request.url.replace(record, 'IT-2024-999125');
    }
    const res = await request(s.url)
      .post('/fhir')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(bundle));
    expect([res.status, res.status === 200 ? '' : JSON.stringify(res.body)]).toEqual([200, '']);
    const procedures = await stored('Procedure', 'IT-2024-999125/E1/');
    expect(Object.fromEntries(procedures)).toEqual({
      'treatment/t1': false, // PEP: only the mapping knows it comes from the disclosure
      'treatment/t2': false,
      'treatment/t3': false,
      'treatment/t4': false,
    });
    expect(Object.fromEntries(await stored('QuestionnaireResponse', 'IT-2024-999125/E1/'))).toEqual({
      'gbv/response': true,
    });
    expect(Object.fromEntries(await stored('ServiceRequest', 'IT-2024-999125/E1/'))).toEqual({
      'gbv/referral/medical-cmr': true, // a GBV referral code
      'referral/r1': true, // "clinical management of rape"
      'referral/r2': false,
      'referral/r3': false,
      'follow-up': false,
    });
  });
});

function rewriteRecordId(node: unknown, from: string, to: string): void {
  if (Array.isArray(node)) node.forEach((n) => rewriteRecordId(n, from, to));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && v.includes(from)) o[k] = v.split(from).join(to);
      else rewriteRecordId(v, from, to);
    }
  }
}
