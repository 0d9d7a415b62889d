// Two clinics through a real FHIR client (issue 16, point 10): each EHR is a SMART Backend Services client of this
// server's own authorization server; fhir-kit-client discovers the token endpoint, the clients sign assertions,
// get tokens and work with them. Clinic A records a migrant's visit with a GBV enquiry; clinic B, another country's
// clinic without GBV care, finds the ordinary record and nothing of the disclosure; a Consent that denies sharing
// keeps a second patient's record inside clinic A; an auditor finds who read what.
import fs from 'node:fs';
import path from 'node:path';
import { registerClient } from '../../src/security/accounts-admin';
import { fhirClient } from '../support/fhir-client';
import type { TestServer } from '../support/server';
import { assertion, backendToken, keyPair, startAuthServer, type KeyPair } from './support';

let s: TestServer & { dataDir: string };
const keys: Record<string, KeyPair> = {};

async function clientFor(clientId: string, scope: string) {
  const client = await fhirClient(s.base);
  const tokenUrl = (await client.smartAuthMetadata()).tokenUrl!.href;
  const answer = await backendToken(
    tokenUrl,
    await assertion(keys[clientId]!, { clientId, audience: tokenUrl }),
    scope,
  );
  expect(answer.status).toBe(200);
  client.bearerToken = answer.body.access_token as string;
  return client;
}

/** The GBV enquiry's answers of the e-PHR fixture 08, for another patient, without their labels. */
function unlabelledEnquiry(patient: string): { resourceType: 'QuestionnaireResponse' } {
  const bundle = JSON.parse(
    fs.readFileSync(
      path.join(__dirname, '../../fixtures/ephr/expected/08-gbv-disclosed.bundle.json'),
      'utf8',
    ),
  ) as { entry: Array<{ resource: Record<string, unknown> }> };
  const qr = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'QuestionnaireResponse')!;
  const { meta: _meta, encounter: _encounter, identifier: _identifier, ...rest } = qr;
  const out = { ...rest, resourceType: 'QuestionnaireResponse' as const };
  return Object.assign(out, { subject: { reference: `Patient/${patient}` } });
}

/** What the client answered, as the test reads it. */
const made = async (p: Promise<unknown>): Promise<unknown> => p;

const statusOf = async (p: Promise<unknown>): Promise<number> =>
  p.then(
    () => 200,
    (err: { response?: { status: number } }) => err.response?.status ?? -1,
  );

beforeAll(async () => {
  s = await startAuthServer();
  for (const [clientId, clinic, roles, scope] of [
    ['ehr-a', 'clinic-a', ['gbv-care'], 'system/*.cruds'],
    ['ehr-b', 'clinic-b', [], 'system/*.rs'],
    ['audit-office', 'ministry', ['auditor'], 'system/AuditEvent.rs'],
  ] as const) {
    keys[clientId] = await keyPair(clientId === 'ehr-b' ? 'ES384' : 'RS384');
    await registerClient(s.running.accounts, {
      clientId,
      clinic,
      scope,
      roles: [...roles],
      jwks: { keys: [keys[clientId].publicJwk] },
    });
  }
});
afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

it('clinic B sees the ordinary record, nothing of the GBV disclosure, and nothing a Consent keeps in clinic A', async () => {
  const a = await clientFor('ehr-a', 'system/*.cruds');
  const b = await clientFor('ehr-b', 'system/*.rs');
  const amina = (await made(
    a.create({
      resourceType: 'Patient',
      body: {
        resourceType: 'Patient',
        name: [{ family: 'Haddad', given: ['Amina'] }],
      },
    }),
  )) as { id: string };
  const pulse = (await made(
    a.create({
      resourceType: 'Observation',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${amina.id}` },
        valueQuantity: { value: 88, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      },
    }),
  )) as { id: string };
  // the enquiry's answers, sent without labels: the server labels them by content
  const enquiry = (await made(
    a.create({ resourceType: 'QuestionnaireResponse', body: unlabelledEnquiry(amina.id) }),
  )) as { id: string; meta: { security?: Array<{ code: string }> } };
  expect(enquiry.meta.security?.map((l) => l.code).sort()).toEqual(['R', 'SDV']);
  const referral = (await made(
    a.create({
      resourceType: 'ServiceRequest',
      body: {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${amina.id}` },
        reasonCode: [{ text: 'Clinical management of rape' }],
      },
    }),
  )) as { id: string };

  // clinic B, through the same client library
  expect(((await made(b.read({ resourceType: 'Patient', id: amina.id }))) as { id: string }).id).toBe(
    amina.id,
  );
  const found = (await b.search({
    resourceType: 'Observation',
    searchParams: { subject: `Patient/${amina.id}` },
  })) as {
    entry?: Array<{ resource: { id: string } }>;
  };
  expect(found.entry?.map((e) => e.resource.id)).toEqual([pulse.id]);
  expect(await statusOf(b.read({ resourceType: 'QuestionnaireResponse', id: enquiry.id }))).toBe(404);
  expect(await statusOf(b.read({ resourceType: 'ServiceRequest', id: referral.id }))).toBe(404);
  const everything = (await b.search({
    resourceType: 'Patient',
    searchParams: {
      _id: amina.id,
      _revinclude: ['QuestionnaireResponse:subject', 'ServiceRequest:subject', 'Observation:subject'],
    },
  })) as { entry?: Array<{ resource: { resourceType: string } }> };
  expect(everything.entry?.map((e) => e.resource.resourceType).sort()).toEqual(['Observation', 'Patient']);
  // B may not write
  expect(await statusOf(b.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } }))).toBe(403);

  // a patient whose Consent denies sharing
  const samir = (await made(
    a.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Karimi' }] } }),
  )) as {
    id: string;
  };
  await a.create({
    resourceType: 'Consent',
    body: {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${samir.id}` },
      policyRule: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }],
      },
      provision: { type: 'deny' },
    },
  });
  expect(await statusOf(b.read({ resourceType: 'Patient', id: samir.id }))).toBe(404);
  expect(await statusOf(a.read({ resourceType: 'Patient', id: samir.id }))).toBe(200);

  // the auditor finds clinic B's read of Amina
  const auditor = await clientFor('audit-office', 'system/AuditEvent.rs');
  const events = (await auditor.search({
    resourceType: 'AuditEvent',
    searchParams: { patient: `Patient/${amina.id}`, _count: '100' },
  })) as {
    entry?: Array<{
      resource: {
        agent: Array<{ who?: { identifier?: { value?: string } }; requestor: boolean }>;
        subtype?: Array<{ code: string }>;
      };
    }>;
  };
  const byB = (events.entry ?? []).filter((e) =>
    e.resource.agent.some((ag) => ag.requestor && JSON.stringify(ag).includes('ehr-b')),
  );
  expect(byB.map((e) => e.resource.subtype?.[0]?.code)).toEqual(
    expect.arrayContaining(['read', 'search-type']),
  );
  // and clinic A's own tokens cannot read the trail
  expect(await statusOf(a.search({ resourceType: 'AuditEvent', searchParams: {} }))).toBe(403);
});
