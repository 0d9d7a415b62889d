// Reading the audit trail (issue 16 point 8): only a caller with the auditor role and a scope naming AuditEvent
// reads it; nobody writes, changes or deletes an AuditEvent through the API, in a Bundle or otherwise.
import request from 'supertest';
import type { AuditEvent, Bundle } from 'fhir/r4';
import {
  auditCollection,
  patientsOf,
  startAuditServer,
  storedEvents,
  type AuditTestServer,
} from './audit-support';

let s: AuditTestServer;
const FHIR = 'application/fhir+json';
const as = (who: string) => ({
  get: (path: string) => request(s.url).get(path).set(s.as(who)),
  send: (method: 'post' | 'put' | 'patch' | 'delete', path: string, body?: unknown) => {
    const r = request(s.url)[method](path).set(s.as(who));
    return body === undefined ? r : r.set('Content-Type', FHIR).send(JSON.stringify(body));
  },
});
const doc = as('clinician');
const auditor = as('auditor');
const pids: string[] = [];

beforeAll(async () => {
  s = await startAuditServer();
  for (const family of ['A', 'B']) {
    const p = await doc
      .send('post', '/fhir/Patient', { resourceType: 'Patient', name: [{ family }] })
      .expect(201);
    pids.push(p.body.id as string);
  }
  for (let i = 0; i < 3; i++) await doc.get(`/fhir/Patient/${pids[0]!}`).expect(200);
  await doc.get(`/fhir/Patient/${pids[1]!}`).expect(200);
});
afterAll(() => s.close());

/** The ids of the stored events about a patient, newest first (read from the collection, not the API). */
async function storedAbout(pid: string): Promise<string[]> {
  return (await storedEvents(s))
    .filter((e) => patientsOf(e).includes(`Patient/${pid}`))
    .map((e) => e.id!)
    .reverse();
}

const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => e.resource!.id!);

describe('who reads the trail', () => {
  it.each([
    ['a clinician with an AuditEvent scope but no auditor role', 'clinician', 403],
    ['an auditor whose scopes are * (which never cover AuditEvent)', 'auditorStar', 403],
    ['a caller with no token', 'nobody', 401],
  ])('%s: %d', async (_what, who, status) => {
    for (const path of [
      '/fhir/AuditEvent',
      '/fhir/AuditEvent/000000000001',
      `/fhir/Patient/${pids[0]!}/AuditEvent`,
    ]) {
      const res = await as(who).get(path).expect(status);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(res.body)).not.toMatch(/"AuditEvent\/0/);
    }
  });

  it('an auditor reads one event by id, as stored', async () => {
    const [first] = await storedEvents(s);
    const res = await auditor.get(`/fhir/AuditEvent/${first!.id!}`).expect(200);
    expect(res.body).toEqual(first);
    await auditor.get('/fhir/AuditEvent/999999999999').expect(404);
  });

  it('an auditor searches by patient, newest first, and pages through every event about that patient', async () => {
    const expected = await storedAbout(pids[0]!);
    expect(expected.length).toBeGreaterThanOrEqual(4); // its create and three reads
    const seen: string[] = [];
    let url: string | undefined = `/fhir/AuditEvent?patient=Patient/${pids[0]!}&_count=2`;
    while (url) {
      const res = await auditor.get(url).expect(200);
      const b = res.body as Bundle;
      expect(b.type).toBe('searchset');
      expect((b.entry ?? []).length).toBeLessThanOrEqual(2);
      for (const e of b.entry ?? [])
        expect(patientsOf(e.resource as AuditEvent)).toContain(`Patient/${pids[0]!}`);
      seen.push(...ids(b));
      const next = b.link?.find((l) => l.relation === 'next')?.url;
      url = next?.replace(s.url, '');
    }
    expect(seen).toEqual(expected);
  });

  it('the patient compartment gives the same events', async () => {
    const expected = await storedAbout(pids[1]!); // before this search records its own event
    const res = await auditor.get(`/fhir/Patient/${pids[1]!}/AuditEvent?_count=100`).expect(200);
    expect(ids(res.body as Bundle)).toEqual(expected);
  });

  it('date bounds the recorded instant; agent finds a user by identifier', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const all = (await storedEvents(s)).length;
    const before = await auditor.get(`/fhir/AuditEvent?date=lt${future}&_count=1000`).expect(200);
    expect(ids(before.body as Bundle).length).toBeGreaterThanOrEqual(all);
    const after = await auditor.get(`/fhir/AuditEvent?date=ge${future}`).expect(200);
    expect(ids(after.body as Bundle)).toEqual([]);
    const byUser = await auditor.get('/fhir/AuditEvent?agent=doc-1&_count=1000').expect(200);
    const expected = (await storedEvents(s))
      .filter((e) => e.agent.some((a) => a.who?.identifier?.value === 'doc-1'))
      .map((e) => e.id!)
      .reverse();
    expect(ids(byUser.body as Bundle)).toEqual(expected);
  });

  it('any other parameter is a 400 naming it', async () => {
    const res = await auditor.get('/fhir/AuditEvent?outcome=4').expect(400);
    expect(res.body.issue[0].diagnostics).toMatch(/"outcome"/);
  });
});

describe('nobody writes the trail through the API', () => {
  it('the CapabilityStatement offers AuditEvent read and search alone', async () => {
    const res = await doc.get('/fhir/metadata').expect(200);
    const entry = (
      res.body.rest[0].resource as Array<{ type: string; interaction: Array<{ code: string }> }>
    ).find((r) => r.type === 'AuditEvent');
    expect(entry?.interaction.map((i) => i.code)).toEqual(['read', 'vread', 'search-type']);
  });

  it('create, update, patch, delete, conditional forms and history of AuditEvent: 405, nothing changed', async () => {
    const before = await auditCollection(s).find({}).sort({ _id: 1 }).toArray();
    const target = before[0]!._id;
    const event = { ...(JSON.parse(before[0]!.event) as object), outcome: '0' };
    // the auditor's scope names every action on AuditEvent: the trail itself refuses (405); the clinician's scopes
    // name only reading AuditEvent, so access control refuses its writes first (403)
    for (const [who, status] of [
      ['auditor', 405],
      ['clinician', 403],
    ] as const) {
      const api = as(who);
      const refused = [
        await api.send('post', '/fhir/AuditEvent', event),
        await api.send('put', `/fhir/AuditEvent/${target}`, event),
        await api.send('put', '/fhir/AuditEvent/not-yet-there', event),
        await api.send('patch', `/fhir/AuditEvent/${target}`, [{ op: 'remove', path: '/agent' }]),
        await api.send('delete', `/fhir/AuditEvent/${target}`),
        await api.send('delete', '/fhir/AuditEvent?patient=x'),
        await api.get(`/fhir/AuditEvent/${target}/_history`),
        await api.get('/fhir/AuditEvent/_history'),
      ];
      for (const res of refused) {
        expect([status, 405]).toContain(res.status);
        if (res.status === 405)
          expect(res.body.issue[0].diagnostics).toMatch(/the audit trail is written by the server alone/);
      }
    }
    const after = await auditCollection(s)
      .find({ _id: { $lte: before[before.length - 1]!._id } })
      .sort({ _id: 1 })
      .toArray();
    expect(after).toEqual(before);
  });

  it.each(['batch', 'transaction'])(
    'AuditEvent entries in a %s: 403, and nothing of the Bundle is done',
    async (type) => {
      const res = await doc
        .send('post', '/fhir', {
          resourceType: 'Bundle',
          type,
          entry: [
            {
              resource: { resourceType: 'Patient', name: [{ family: 'Bundled' }] },
              request: { method: 'POST', url: 'Patient' },
            },
            { request: { method: 'DELETE', url: `${s.base}/AuditEvent/000000000001` } },
          ],
        })
        .expect(403);
      expect(res.body.issue[0].diagnostics).toMatch(
        /Bundle\.entry\[1\]: the audit trail is written by the server alone/,
      );
      const found = await doc.get('/fhir/Patient?family=Bundled').expect(200);
      expect(found.body.entry ?? []).toEqual([]);
      expect(await auditCollection(s).countDocuments({ _id: '000000000001' })).toBe(1);
    },
  );
});
