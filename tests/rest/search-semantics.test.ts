// Search semantics through HTTP (issue 5): escaping, `:not` with several values, `_revinclude=*`, conditional
// interactions that apply every criterion or refuse, and the configurable chain and include limits.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

const FHIR = 'application/fhir+json';
let s: TestServer;

const put = async (r: { resourceType: string; id: string }, server = s): Promise<void> => {
  const res = await request(server.url)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('Content-Type', FHIR)
    .send(JSON.stringify(r));
  if (res.status >= 300) throw new Error(`${res.status} ${res.text}`);
};
const get = (path: string, server = s): request.Test => request(server.url).get(`/fhir/${path}`);
const entries = async (path: string, mode: 'match' | 'include', server = s): Promise<string[]> => {
  const res = await get(path, server).expect(200);
  return (
    (res.body.entry ?? []) as Array<{
      search: { mode: string };
      resource: { resourceType: string; id: string };
    }>
  )
    .filter((e) => e.search.mode === mode)
    .map((e) => `${e.resource.resourceType}/${e.resource.id}`)
    .sort();
};
const patient = (id: string, family: string, extra: object = {}) => ({
  resourceType: 'Patient',
  id,
  name: [{ family }],
  ...extra,
});
const observation = (id: string, subject: string, code: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${subject}` },
});

beforeAll(async () => {
  s = await startTestServer();
  for (const r of [
    patient('comma', 'Al-Amin, Jr', { gender: 'male' }),
    patient('bar', 'Smith|Jones', { gender: 'female', meta: { source: 'urn:clinic:lesvos$2' } }),
    patient('plain', 'Amin', { gender: 'unknown' }),
    patient('twin1', 'Shared'),
    patient('twin2', 'Shared'),
    observation('ob1', 'twin1', '8867-4'),
    observation('ob2', 'comma', '8867-4'),
    {
      resourceType: 'DiagnosticReport',
      id: 'dr1',
      status: 'final',
      code: { text: 'panel' },
      result: [{ reference: 'Observation/ob2' }],
    },
  ])
    await put(r);
});
afterAll(async () => s.close());

describe('escaping (search.html#escaping)', () => {
  it('finds a family name containing a comma, a bar, and a source containing a dollar', async () => {
    expect(await entries('Patient?family=al-amin\\, jr', 'match')).toEqual(['Patient/comma']);
    expect(await entries('Patient?family=al-amin\\, jr,amin', 'match')).toEqual([
      'Patient/comma',
      'Patient/plain',
    ]);
    expect(await entries('Patient?family:exact=Smith\\|Jones', 'match')).toEqual(['Patient/bar']);
    expect(await entries('Patient?family=smith\\|j', 'match')).toEqual(['Patient/bar']);
    expect(await entries(`Patient?_source=${encodeURIComponent('urn:clinic:lesvos\\$2')}`, 'match')).toEqual([
      'Patient/bar',
    ]);
  });
});

describe(':not with several values', () => {
  it('matches the resources that have none of the values', async () => {
    expect(await entries('Patient?gender:not=male,female', 'match')).toEqual([
      'Patient/plain',
      'Patient/twin1',
      'Patient/twin2',
    ]);
  });
});

describe('_revinclude=*', () => {
  it('includes every resource that references a match, and iterates', async () => {
    expect(await entries('Patient?_id=comma&_revinclude=*', 'include')).toEqual(['Observation/ob2']);
    expect(await entries('Patient?_id=comma&_revinclude:iterate=*', 'include')).toEqual([
      'DiagnosticReport/dr1',
      'Observation/ob2',
    ]);
  });
});

describe('conditional interactions apply every criterion or refuse', () => {
  it('conditional delete with _has deletes the one match, not every Shared', async () => {
    await request(s.url)
      .delete('/fhir/Patient?family=shared&_has:Observation:subject:code=8867-4')
      .expect(200);
    await get('Patient/twin1').expect(410);
    await get('Patient/twin2').expect(200);
  });

  it.each([
    ['_sort=family', '_sort'],
    ['_count=1', '_count'],
    ['_include=Patient:organization', '_include'],
    ['_text=shared', '_text'],
    ['_has:Observation:subject:shoe=1', '_has:Observation:subject:shoe'],
  ])('refuses family=shared&%s with 400 naming %s, and changes nothing', async (extra, name) => {
    const del = await request(s.url).delete(`/fhir/Patient?family=shared&${extra}`);
    expect(del.status).toBe(400);
    expect(del.body.resourceType).toBe('OperationOutcome');
    expect(del.body.issue[0].expression).toEqual([name]);
    const upd = await request(s.url)
      .put(`/fhir/Patient?family=shared&${extra}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify(patient('x', 'Changed')));
    expect(upd.status).toBe(400);
    const twin2 = await get('Patient/twin2').expect(200);
    expect(twin2.body.meta.versionId).toBe('1');
  });

  it('conditional update by _source updates that resource', async () => {
    const res = await request(s.url)
      .put(`/fhir/Patient?_source=${encodeURIComponent('urn:clinic:lesvos\\$2')}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify(patient('bar', 'Smith|Jones', { gender: 'female', active: true })))
      .expect(200);
    expect(res.body).toMatchObject({ id: 'bar', active: true, meta: { versionId: '2' } });
  });
});

describe('configured limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ SEARCH_MAX_CHAIN_DEPTH: '1', SEARCH_MAX_INCLUDE_ITERATIONS: '1' });
    for (const r of [
      patient('p', 'Limited'),
      observation('o', 'p', '8867-4'),
      {
        resourceType: 'DiagnosticReport',
        id: 'd',
        status: 'final',
        code: { text: 'x' },
        result: [{ reference: 'Observation/o' }],
      },
    ])
      await put(r, limited);
  });
  afterAll(async () => limited.close());

  it('SEARCH_MAX_CHAIN_DEPTH: a deeper chain answers 400 naming the parameter', async () => {
    expect(await entries('Observation?subject:Patient.family=limited', 'match', limited)).toEqual([
      'Observation/o',
    ]);
    const deep = await get('Observation?subject:Patient.organization.name=x', limited);
    expect(deep.status).toBe(400);
    expect(deep.body.issue[0].expression).toEqual(['subject:Patient.organization.name']);
    const has = await get(
      'Patient?_has:Observation:subject:_has:DiagnosticReport:result:status=final',
      limited,
    );
    expect(has.status).toBe(400);
    // The default allows it.
    await get('Observation?subject:Patient.organization.name=x').expect(200);
  });

  it('SEARCH_MAX_INCLUDE_ITERATIONS: :iterate stops after the configured rounds', async () => {
    expect(await entries('Patient?_id=p&_revinclude:iterate=*', 'include', limited)).toEqual([
      'Observation/o',
    ]);
  });
});
