// Every kind of registration number of an e-PHR record gets a coded Identifier.type, a passport v2-0203#PPN with its
// issuing country as assigner, and `Patient?identifier:of-type=` finds the person by each (issue 18 item 5).
import request from 'supertest';
import type { Bundle, Patient } from 'fhir/r4';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ IMPORT_CLINIC: 'Test reception clinic' });
});
afterAll(() => s.close());

const LOCAL = 'http://ephr-fhir.org/fhir/CodeSystem/identifier-type';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** Each record kind, the type it must carry (from the CodeSystems, written by hand) and a number. */
const KINDS = [
  { kind: 'asylum', type: `${LOCAL}|asylum-registration`, value: 'AS-1', issuer: 'Greek Asylum Service' },
  { kind: 'national', type: `${V2}|NI`, value: 'NI-2', issuer: 'Hellenic Republic' },
  { kind: 'iom-case', type: `${LOCAL}|iom-case`, value: 'IOM-3', issuer: 'IOM Greece' },
  { kind: 'police', type: `${LOCAL}|police-registration`, value: 'POL-4', issuer: 'Hellenic Police, Kos' },
  { kind: 'unhcr', type: `${LOCAL}|unhcr-registration`, value: 'UNHCR-5', issuer: 'UNHCR Türkiye' },
  { kind: 'passport', type: `${V2}|PPN`, value: 'N0123456', issuer: 'Syria' },
  { kind: 'other', type: `${LOCAL}|registration`, value: 'OTH-7', issuer: 'Municipality of Kos' },
];

it('types every registration number, and identifier:of-type finds the person by each', async () => {
  const record = {
    ephrId: 'ID-KINDS-1',
    exportedAt: '2024-01-01T00:00:00Z',
    identification: {
      names: [{ family: 'Test' }],
      registrationNumbers: KINDS.map(({ kind, value, issuer }) => ({ kind, value, issuer })),
    },
    episodes: [{ episodeId: 'E1', date: '2024-01-01' }],
  };
  const res = await request(s.url)
    .post('/fhir/$import-ephr')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(record))
    .expect(200);
  expect(JSON.stringify(res.body)).toContain('"created"');

  for (const k of KINDS) {
    const q = encodeURIComponent(`${k.type}|${k.value}`);
    const page = await request(s.url).get(`/fhir/Patient?identifier:of-type=${q}`).expect(200);
    const found = ((page.body as Bundle).entry ?? []).map((e) => e.resource as Patient);
    expect({ kind: k.kind, found: found.length }).toEqual({ kind: k.kind, found: 1 });
    const id = found[0]?.identifier?.find((i) => i.value === k.value);
    const [system, code] = k.type.split('|');
    expect(id?.type?.coding?.[0]).toMatchObject({ system, code });
    expect(id?.assigner?.display).toBe(k.issuer);
  }
  // The type is part of the match: the passport number is not found as a national id.
  const wrong = await request(s.url)
    .get(`/fhir/Patient?identifier:of-type=${encodeURIComponent(`${V2}|NI|N0123456`)}`)
    .expect(200);
  expect((wrong.body as Bundle).entry ?? []).toEqual([]);
});
