// The audit trail through the real server (issue 16 point 8): every FHIR request writes exactly one BALP-shaped
// AuditEvent naming who, what, which patient, the query and the outcome, failures included; the events are valid R4.
import request from 'supertest';
import type { AuditEvent } from 'fhir/r4';
import {
  auditCollection,
  eventsDuring,
  patientsOf,
  startAuditServer,
  type AuditTestServer,
  queryOf,
  resourcesOf,
  storedEvents,
  subtypeOf,
} from './audit-support';

let s: AuditTestServer;
beforeAll(async () => {
  s = await startAuditServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const as = (who: string) => ({
  get: (path: string) => request(s.url).get(path).set(s.as(who)),
  post: (path: string, body: unknown) =>
    request(s.url).post(path).set(s.as(who)).set('Content-Type', FHIR).send(JSON.stringify(body)),
  put: (path: string, body: unknown) =>
    request(s.url).put(path).set(s.as(who)).set('Content-Type', FHIR).send(JSON.stringify(body)),
  delete: (path: string) => request(s.url).delete(path).set(s.as(who)),
});
const doc = as('clinician');

/** The one event `run` writes. */
async function oneEvent(run: () => Promise<unknown>): Promise<AuditEvent> {
  const events = await eventsDuring(s, run);
  expect(events).toHaveLength(1);
  return events[0]!;
}

const observation = (pid: string, value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/${pid}` },
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

let pid = '';
let oid = '';

describe('one event per interaction', () => {
  it('create: who (client, user with clinic, token id), the new resource and its patient', async () => {
    let res: request.Response | undefined;
    const e = await oneEvent(async () => {
      res = await doc
        .post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Haddad', given: ['Amal'] }] })
        .expect(201);
    });
    pid = res!.body.id as string;
    expect(e.type).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
    });
    expect(subtypeOf(e)).toBe('create');
    expect(e.action).toBe('C');
    expect(e.outcome).toBe('0');
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
    expect(resourcesOf(e)).toEqual([`Patient/${pid}/_history/1`]);
    const user = e.agent.find((a) => a.requestor);
    expect(user?.who?.identifier).toMatchObject({
      value: 'doc-1',
      assigner: { reference: 'Organization/clinic-a' },
    });
    expect(user?.policy).toEqual([s.jti('clinician')]);
    const client = e.agent.find((a) => a.type?.coding?.[0]?.code === '110153');
    expect(client).toMatchObject({ requestor: false, who: { identifier: { value: 'clinic-app' } } });
    expect(e.agent.find((a) => a.type?.coding?.[0]?.code === '110152')?.who?.identifier?.value).toBe(s.base);
    expect(e.source.observer.identifier?.value).toBe(s.base);
    expect(JSON.stringify(e)).not.toMatch(/Haddad|Amal/);
  });

  it('create of a resource about a patient names that patient', async () => {
    let res: request.Response | undefined;
    const e = await oneEvent(async () => {
      res = await doc.post('/fhir/Observation', observation(pid, 72)).expect(201);
    });
    oid = res!.body.id as string;
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
    expect(resourcesOf(e)).toEqual([`Observation/${oid}/_history/1`]);
  });

  it('read', async () => {
    const e = await oneEvent(() => doc.get(`/fhir/Observation/${oid}`).expect(200));
    expect([subtypeOf(e), e.action, e.outcome]).toEqual(['read', 'R', '0']);
    expect(resourcesOf(e)).toEqual([`Observation/${oid}/_history/1`]);
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
  });

  it('search: the query as sent (base64), every match and its patient', async () => {
    const query = `subject=Patient%2F${pid}&code=http%3A%2F%2Floinc.org%7C8867-4`;
    const e = await oneEvent(() => doc.get(`/fhir/Observation?${query}`).expect(200));
    expect([subtypeOf(e), e.action]).toEqual(['search-type', 'E']);
    expect(queryOf(e)).toBe(query);
    expect(resourcesOf(e)).toEqual([`Observation/${oid}/_history/1`]);
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
  });

  it('update', async () => {
    const e = await oneEvent(() =>
      doc.put(`/fhir/Observation/${oid}`, { ...observation(pid, 80), id: oid }).expect(200),
    );
    expect([subtypeOf(e), e.action]).toEqual(['update', 'U']);
    expect(resourcesOf(e)).toEqual([`Observation/${oid}/_history/2`]);
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
  });

  it('delete names the deleted version and the patient the resource belonged to', async () => {
    const e = await oneEvent(() => doc.delete(`/fhir/Observation/${oid}`).expect(200));
    expect([subtypeOf(e), e.action, e.outcome]).toEqual(['delete', 'D', '0']);
    expect(resourcesOf(e)).toEqual([`Observation/${oid}`]);
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
  });

  it('transaction: one event listing every resource written and their patients', async () => {
    let res: request.Response | undefined;
    const e = await oneEvent(async () => {
      res = await doc
        .post('/fhir', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              fullUrl: 'urn:uuid:3b8e4c1a-0000-4000-8000-000000000001',
              resource: { resourceType: 'Patient', name: [{ family: 'Yohannes' }] },
              request: { method: 'POST', url: 'Patient' },
            },
            {
              resource: {
                ...observation('x', 60),
                subject: { reference: 'urn:uuid:3b8e4c1a-0000-4000-8000-000000000001' },
              },
              request: { method: 'POST', url: 'Observation' },
            },
          ],
        })
        .expect(200);
    });
    const [p, o] = (res!.body.entry as Array<{ response: { location: string } }>).map((x) =>
      x.response.location.replace(`${s.base}/`, ''),
    );
    expect([subtypeOf(e), e.action]).toEqual(['transaction', 'E']);
    expect(resourcesOf(e)).toEqual([o, p].sort());
    expect(patientsOf(e)).toEqual([p!.replace(/\/_history\/.*/, '')]);
    expect(JSON.stringify(e)).not.toMatch(/Yohannes/);
  });

  it('a 404 is recorded, with what was asked for', async () => {
    const e = await oneEvent(() => doc.get('/fhir/Observation/no-such-one').expect(404));
    expect([subtypeOf(e), e.outcome, e.outcomeDesc]).toEqual([
      'read',
      '4',
      'GET /fhir/Observation/no-such-one: HTTP 404',
    ]);
    expect(resourcesOf(e)).toEqual(['Observation/no-such-one']);
  });

  it('a 400 is recorded, with its query', async () => {
    const e = await oneEvent(() => doc.get('/fhir/Observation?date=not-a-date').expect(400));
    expect([subtypeOf(e), e.outcome]).toEqual(['search-type', '4']);
    expect(queryOf(e)).toBe('date=not-a-date');
  });

  it('an unknown route is recorded without a subtype', async () => {
    const e = await oneEvent(() => doc.get('/fhir/NoSuchType').expect(404));
    expect([e.subtype, e.action, e.outcome]).toEqual([undefined, 'R', '4']);
  });

  it('GET /fhir/metadata is not recorded', async () => {
    expect(await eventsDuring(s, () => doc.get('/fhir/metadata').expect(200))).toEqual([]);
  });

  it('a backend client is the requestor, with its clinic, and no user agent', async () => {
    const e = await oneEvent(() => as('backend').get(`/fhir/Patient/${pid}`).expect(200));
    expect(e.agent.filter((a) => a.requestor)).toHaveLength(1);
    expect(e.agent.find((a) => a.requestor)?.who?.identifier).toMatchObject({
      value: 'lab-system',
      assigner: { reference: 'Organization/clinic-b' },
    });
    expect(e.agent.some((a) => a.type?.coding?.[0]?.code === 'IRCP')).toBe(false);
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
  });
});

describe('who, when there is no user or an emergency', () => {
  it('a request without a token (401) is recorded, its caller unauthenticated', async () => {
    const e = await oneEvent(() => as('nobody').get(`/fhir/Patient/${pid}`).expect(401));
    expect([subtypeOf(e), e.outcome]).toEqual(['read', '4']);
    const requestor = e.agent.find((a) => a.requestor);
    expect(requestor?.who).toEqual({ display: 'unauthenticated caller' });
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
  });

  it('break-glass: its own subtype, purpose BTG with the stated reason; later reads of that patient are BTG', async () => {
    const reason = 'unconscious patient in the emergency room';
    const e = await oneEvent(() =>
      as('medic')
        .post(`/fhir/Patient/${pid}/$break-glass`, {
          resourceType: 'Parameters',
          parameter: [{ name: 'reason', valueString: reason }],
        })
        .expect(200),
    );
    expect(e.subtype).toEqual([
      { system: 'http://ephr-fhir.org/fhir/CodeSystem/audit-event-subtype', code: 'break-glass' },
    ]);
    expect(e.purposeOfEvent?.[0]?.coding?.[0]).toEqual({
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
      code: 'BTG',
    });
    expect(e.agent.find((a) => a.requestor)?.purposeOfUse?.[0]?.text).toBe(reason);
    expect(patientsOf(e)).toEqual([`Patient/${pid}`]);
    const read = await oneEvent(() => as('medic').get(`/fhir/Patient/${pid}`).expect(200));
    expect(read.purposeOfEvent?.[0]?.coding?.[0]?.code).toBe('BTG');
    const other = await oneEvent(() => as('medic').get('/fhir/Patient/someone-else').expect(404));
    expect(other.purposeOfEvent).toBeUndefined();
  });
});

describe('the events', () => {
  it('are valid R4 AuditEvents', async () => {
    const events = await storedEvents(s);
    expect(events.length).toBeGreaterThan(8);
    for (const e of events) {
      const errors = s.running.ctx.validator
        .validate(e)
        .filter((i) => i.severity === 'error' || i.severity === 'fatal');
      expect({ id: e.id, errors }).toEqual({ id: e.id, errors: [] });
    }
  });

  it('would fail that check if they broke R4 (the check can fail)', async () => {
    const [e] = await storedEvents(s);
    const broken = { ...e, action: 'X', agent: [] };
    const errors = s.running.ctx.validator.validate(broken).filter((i) => i.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('hold no name of a patient anywhere in the log', async () => {
    const docs = await auditCollection(s).find({}).toArray();
    expect(JSON.stringify(docs)).not.toMatch(/Haddad|Amal|Yohannes/);
  });
});
