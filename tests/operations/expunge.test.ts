// $expunge at instance level (issue 20 point 8): a GBV record a person asks to have erased leaves nothing in any
// collection of the database (the audit trail keeps references only, and records the erasure) nor in any cache; the
// server keeps working; only an administrator with `d` on the type may do it.
import crypto from 'node:crypto';
import request from 'supertest';
import type { AuditEvent } from 'fhir/r4';
import { startTestServer, type TestServer } from '../support/server';
import { startTestIssuer, type TestIssuer } from '../support/issuer';

const FHIR = 'application/fhir+json';
const SDV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' };
/** Collections that may name an erased resource: the audit trail (references only, kept for good). */
const KEPT = new Set(['audit']);

const gbvObservation = (pid: string, marker: string, text: string) => ({
  resourceType: 'Observation',
  meta: { security: [SDV] },
  status: 'final',
  identifier: [{ system: 'urn:ephr:fuzz-erasure', value: marker }],
  code: { coding: [{ system: 'http://loinc.org', code: '76499-3' }], text: marker },
  subject: { reference: `Patient/${pid}` },
  valueString: text,
});

/** Every stored document, by collection, that holds one of `needles` anywhere (ids, keys, texts). */
async function findEverywhere(s: TestServer, needles: string[]): Promise<string[]> {
  const db = s.running.db.db!;
  const found: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    if (KEPT.has(name)) continue;
    for (const doc of await db.collection(name).find({}).toArray()) {
      const text = JSON.stringify(doc).toLowerCase();
      for (const n of needles)
        if (text.includes(n.toLowerCase())) found.push(`${name}: ${String(doc._id)} holds ${n}`);
    }
  }
  return found;
}

describe('$expunge of a GBV record (development caller: every role but label-admin)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('removes every version, text, key, claim and cached copy; the audit trail records the erasure', async () => {
    const marker = `zq${crypto.randomBytes(6).toString('hex')}`;
    const pid = (
      await request(s.base)
        .post('/Patient')
        .set('Content-Type', FHIR)
        .send(JSON.stringify({ resourceType: 'Patient', gender: 'female' }))
        .expect(201)
    ).body.id as string;
    // version 1 by a conditional create (an identifier claim), 2 large (a blob of its own), 3 by a transaction,
    // then deleted (4): every kind of stored trace
    const created = await request(s.base)
      .post('/Observation')
      .set({ 'Content-Type': FHIR, 'If-None-Exist': `identifier=urn:ephr:fuzz-erasure|${marker}` })
      .send(JSON.stringify(gbvObservation(pid, marker, `disclosed ${marker}`)))
      .expect(201);
    const oid = created.body.id as string;
    await request(s.base)
      .put(`/Observation/${oid}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ ...gbvObservation(pid, marker, `${marker} `.repeat(3000)), id: oid }))
      .expect(200);
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { ...gbvObservation(pid, marker, `again ${marker}`), id: oid },
          request: { method: 'PUT', url: `Observation/${oid}` },
        },
      ],
    };
    await request(s.base).post('/').set('Content-Type', FHIR).send(JSON.stringify(tx)).expect(200);
    // the caches hold it now
    await request(s.base).get(`/Observation/${oid}`).expect(200);
    await request(s.base).get(`/Observation/${oid}/_history/2`).expect(200);
    expect((await request(s.base).get(`/Observation?_id=${oid}`).expect(200)).body.total).toBe(1);
    await request(s.base).delete(`/Observation/${oid}`).expect(200);
    expect(await findEverywhere(s, [oid, marker])).not.toEqual([]);

    const before = await s.running.db.db!.collection('audit').countDocuments();
    const res = await request(s.base)
      .post(`/Observation/${oid}/$expunge`)
      .set('Content-Type', FHIR)
      .send(
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [{ name: 'expungeEverything', valueBoolean: true }],
        }),
      )
      .expect(200);
    expect(res.body).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'count', valueInteger: 4 }] });

    // nothing in any collection (but the audit trail), nothing in any cache
    expect(await findEverywhere(s, [oid, marker])).toEqual([]);
    expect(s.running.repo.heads.floor('Observation', oid)).toBeUndefined();
    await request(s.base).get(`/Observation/${oid}`).expect(404);
    for (const v of [1, 2, 3, 4]) await request(s.base).get(`/Observation/${oid}/_history/${v}`).expect(404);
    const history = (await request(s.base).get(`/Observation/${oid}/_history`)).body as { entry?: unknown[] };
    expect(history.entry ?? []).toEqual([]);
    const typeHistory = (await request(s.base).get('/Observation/_history').expect(200)).body as {
      entry?: Array<{ fullUrl?: string }>;
    };
    expect((typeHistory.entry ?? []).filter((e) => e.fullUrl?.includes(oid))).toEqual([]);
    for (const q of [`_id=${oid}`, `identifier=urn:ephr:fuzz-erasure|${marker}`, `subject=Patient/${pid}`])
      expect((await request(s.base).get(`/Observation?${q}`).expect(200)).body.total).toBe(0);

    // the erasure is audited: it names the resource and says expunge
    const events = (await s.running.db.db!.collection('audit').find({}).sort({ _id: 1 }).toArray())
      .slice(before)
      .map((d) => JSON.parse(String(d.event)) as AuditEvent);
    const erasures = events.filter((x) => x.subtype?.some((c) => c.code === '$expunge'));
    expect(erasures).toHaveLength(1);
    const e = erasures[0]!;
    expect(events[0]).toBe(e); // recorded before its answer went out
    expect(e.action).toBe('D');
    expect(e.subtype?.map((c) => c.code)).toContain('$expunge');
    expect(e.entity?.map((x) => x.what?.reference)).toContain(`Observation/${oid}`);
    expect(JSON.stringify(e)).not.toContain(marker);

    // the server keeps working, and the id may be used again from version 1
    await request(s.base).get(`/Patient/${pid}`).expect(200);
    const again = await request(s.base)
      .put(`/Observation/${oid}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ ...gbvObservation(pid, 'other', 'other'), id: oid }))
      .expect(201);
    expect(again.body.meta.versionId).toBe('1');
    expect((await request(s.base).get(`/Observation?_id=${oid}`).expect(200)).body.total).toBe(1);
  });

  it('answers 404 for nothing there, 405 for GET, 400 for parameters that would keep a part', async () => {
    await request(s.base).post('/Observation/none-such/$expunge').expect(404);
    const pid = (
      await request(s.base)
        .post('/Patient')
        .set('Content-Type', FHIR)
        .send(JSON.stringify({ resourceType: 'Patient' }))
        .expect(201)
    ).body.id as string;
    await request(s.base).get(`/Patient/${pid}/$expunge`).expect(405);
    for (const parameter of [
      [{ name: 'expungePreviousVersions', valueBoolean: true }],
      [{ name: 'expungeEverything', valueBoolean: false }],
      [{ name: 'bogus', valueString: 'x' }],
    ])
      await request(s.base)
        .post(`/Patient/${pid}/$expunge`)
        .set('Content-Type', FHIR)
        .send(JSON.stringify({ resourceType: 'Parameters', parameter }))
        .expect(400);
    await request(s.base).get(`/Patient/${pid}`).expect(200);
    await request(s.base).post(`/Patient/${pid}/$expunge`).expect(200);
    await request(s.base).get(`/Patient/${pid}`).expect(404);
  });
});

describe('$expunge under access control', () => {
  let s: TestServer;
  let idp: TestIssuer;
  const tok: Record<string, string> = {};
  beforeAll(async () => {
    idp = await startTestIssuer();
    s = await startTestServer({ DEV_UNAUTHENTICATED: '', AUTH_ISSUER: idp.url });
    idp.audience = s.base;
    const claims: Record<string, Record<string, unknown>> = {
      admin: { sub: 'a', client_id: 'a', clinic: 'A', scope: 'user/*.cruds', roles: ['admin', 'gbv-care'] },
      clinician: { sub: 'c', client_id: 'c', clinic: 'A', scope: 'user/*.cruds', roles: ['gbv-care'] },
      adminNoDelete: {
        sub: 'n',
        client_id: 'n',
        clinic: 'A',
        scope: 'user/*.crus',
        roles: ['admin', 'gbv-care'],
      },
      adminOtherClinic: {
        sub: 'b',
        client_id: 'b',
        clinic: 'B',
        scope: 'user/*.cruds',
        roles: ['admin', 'gbv-care'],
      },
    };
    for (const [k, c] of Object.entries(claims)) tok[k] = await idp.token(c);
  }, 60_000);
  afterAll(async () => {
    await s.close();
    await idp.close();
  });
  const as = (who: string) => ({ Authorization: `Bearer ${tok[who]}` });

  it('needs the admin role and d on the type; another clinic cannot erase; the admin can', async () => {
    const oid = (
      await request(s.base)
        .post('/Observation')
        .set({ ...as('clinician'), 'Content-Type': FHIR })
        .send(JSON.stringify(gbvObservation('p1', 'marker', 'text')))
        .expect(201)
    ).body.id as string;
    await request(s.base).post(`/Observation/${oid}/$expunge`).set(as('clinician')).expect(403);
    await request(s.base).post(`/Observation/${oid}/$expunge`).set(as('adminNoDelete')).expect(403);
    const other = await request(s.base).post(`/Observation/${oid}/$expunge`).set(as('adminOtherClinic'));
    expect(other.status).toBe(404); // hidden from another clinic: answered as nothing there, as a delete is
    await request(s.base).get(`/Observation/${oid}`).set(as('clinician')).expect(200);
    await request(s.base).post(`/Observation/${oid}/$expunge`).set(as('admin')).expect(200);
    await request(s.base).get(`/Observation/${oid}`).set(as('clinician')).expect(404);
  });
});
