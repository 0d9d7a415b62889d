// Search through HTTP (issue 5): the queries a clinic sends for an arriving migrant, paging, includes,
// compartments, strictness, and the conditional interactions with their 0 / 1 / many rules.
import request from 'supertest';
import { fhirClient } from '../support/fhir-client';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
const FHIR = 'application/fhir+json';
const EPHR = 'http://ephr-fhir.org/fhir/sid/ephr-id';
const put = (r: { resourceType: string; id: string }) =>
  request(s.url)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('Content-Type', FHIR)
    .send(JSON.stringify(r))
    .expect((res) => {
      if (res.status >= 300) throw new Error(`${res.status} ${res.text}`);
    });
const ids = async (query: string): Promise<string[]> => {
  const res = await request(s.url).get(`/fhir/${query}`).expect(200);
  return (res.body.entry ?? [])
    .filter((e: { search: { mode: string } }) => e.search.mode === 'match')
    .map((e: { resource: { id: string } }) => e.resource.id)
    .sort();
};

const patient = (id: string, family: string, given: string, birthDate: string, ephr: string) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: EPHR, value: ephr }],
  name: [{ family, given: [given] }],
  birthDate,
});
const obs = (id: string, subject: string, code: string, date: string, value: number, unit: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${subject}` },
  effectiveDateTime: date,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

beforeAll(async () => {
  s = await startTestServer();
  for (const r of [
    patient('p1', 'Mohammed', 'Ahmad', '1990-05-14', 'E-001'),
    patient('p2', 'Muhammad', 'José', '1985', 'E-002'),
    patient('p3', 'Haile', 'Selam', '2007-11', 'E-003'),
    obs('o1', 'p1', '8867-4', '2024-01-15T10:00:00Z', 72, '/min'),
    obs('o2', 'p1', '8867-4', '2023-12-31T23:30:00-02:00', 80, '/min'),
    obs('o3', 'p2', '8867-4', '2024-03-01', 90, '/min'),
    obs('o4', 'p1', '2345-7', '2024-02-02', 5400, 'ug'),
    {
      resourceType: 'Immunization',
      id: 'i1',
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://snomed.info/sct', code: '871765008' }] },
      patient: { reference: 'Patient/p3' },
      occurrenceDateTime: '2024-04-01',
    },
  ]) {
    await put(r);
  }
});
afterAll(() => s.close());

describe('finding the person', () => {
  it('by e-PHR id, name parts (accents folded, starts-with), birth date precision and phonetic', async () => {
    expect(await ids(`Patient?identifier=${EPHR}|E-002`)).toEqual(['p2']);
    expect(await ids('Patient?identifier=E-003')).toEqual(['p3']);
    expect(await ids('Patient?family=moh')).toEqual(['p1']);
    expect(await ids('Patient?given=jose')).toEqual(['p2']);
    expect(await ids('Patient?family:exact=Mohammed')).toEqual(['p1']);
    expect(await ids('Patient?family:exact=mohammed')).toEqual([]);
    expect(await ids('Patient?birthdate=1990')).toEqual(['p1']);
    expect(await ids('Patient?birthdate=ge2000')).toEqual(['p3']);
    expect(await ids('Patient?family=mu&birthdate=1985')).toEqual(['p2']);
    expect(await ids('Patient?phonetic=Mohamad')).toEqual(['p1', 'p2']);
  });
});

describe('their history', () => {
  it('observations by subject, LOINC code and date prefix (time zones as ranges)', async () => {
    expect(await ids('Observation?subject=Patient/p1&code=http://loinc.org|8867-4&date=ge2024-01')).toEqual([
      'o1',
      'o2',
    ]);
    expect(await ids('Observation?subject=p1&code=8867-4&date=lt2024-01-01')).toEqual([]);
    expect(await ids('Observation?code=8867-4&date=2024')).toEqual(['o1', 'o2', 'o3']);
  });

  it('quantity with UCUM conversion: 5.4 mg finds 5400 ug', async () => {
    expect(await ids('Observation?value-quantity=5.4|http://unitsofmeasure.org|mg')).toEqual(['o4']);
    expect(await ids('Observation?value-quantity=gt85|http://unitsofmeasure.org|/min')).toEqual(['o3']);
  });

  it('chaining and reverse chaining', async () => {
    expect(await ids(`Immunization?patient.identifier=${EPHR}|E-003`)).toEqual(['i1']);
    expect(await ids('Observation?subject:Patient.family=muh')).toEqual(['o3']);
    expect(await ids('Patient?_has:Observation:subject:code=2345-7')).toEqual(['p1']);
  });

  it('_include and _revinclude mark included resources', async () => {
    const res = await request(s.url).get('/fhir/Observation?_id=o3&_include=Observation:subject').expect(200);
    expect(
      res.body.entry.map((e: { resource: { id: string }; search: { mode: string } }) => [
        e.resource.id,
        e.search.mode,
      ]),
    ).toEqual([
      ['o3', 'match'],
      ['p2', 'include'],
    ]);
    const rev = await request(s.url).get('/fhir/Patient?_id=p3&_revinclude=Immunization:patient').expect(200);
    expect(rev.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p3', 'i1']);
  });

  it('sorts by several keys, resources without the value last', async () => {
    const res = await request(s.url).get('/fhir/Observation?_sort=-date').expect(200);
    expect(res.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      'o3',
      'o4',
      'o1',
      'o2',
    ]);
    const p = await request(s.url).get('/fhir/Patient?_sort=birthdate,family').expect(200);
    expect(p.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p2', 'p1', 'p3']);
  });

  it('a sort walked one entry a page keeps its order across pages, resources without the value last', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/fhir/Observation?_sort=-date&_count=1';
    for (let page = 0; url && page < 10; page++) {
      const body = (await request(s.url).get(url).expect(200)).body as {
        entry?: Array<{ resource: { id: string } }>;
        link: Array<{ relation: string; url: string }>;
      };
      seen.push(...(body.entry ?? []).map((e) => e.resource.id));
      const next = body.link.find((l) => l.relation === 'next')?.url;
      url = next?.slice(next.indexOf('/fhir/'));
    }
    expect(seen).toEqual(['o3', 'o4', 'o1', 'o2']);
  });

  it('the Patient compartment', async () => {
    expect(await ids('Patient/p1/Observation')).toEqual(['o1', 'o2', 'o4']);
    expect(await ids('Patient/p1/Observation?code=2345-7')).toEqual(['o4']);
    expect(await ids('Patient/p3/Immunization')).toEqual(['i1']);
  });

  it('POST _search gives the same as GET, and _total, _summary=count answer counts', async () => {
    const res = await request(s.url)
      .post('/fhir/Observation/_search')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('subject=Patient/p1&code=8867-4')
      .expect(200);
    expect(res.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual(
      await ids('Observation?subject=Patient/p1&code=8867-4'),
    );
    const count = await request(s.url).get('/fhir/Observation?_summary=count').expect(200);
    expect(count.body.total).toBe(4);
    expect(count.body.entry).toBeUndefined();
  });

  it('a resource is found by the very next search (no cache)', async () => {
    await put(patient('p9', 'Yusuf', 'Idris', '1979', 'E-009'));
    expect(await ids('Patient?family=yusuf')).toEqual(['p9']);
    await request(s.url).delete('/fhir/Patient/p9').expect(200);
    expect(await ids('Patient?family=yusuf')).toEqual([]);
  });
});

describe('parameters the server does not know, and bad values', () => {
  it('ignores unknown parameters and leaves them out of self; strict handling refuses them', async () => {
    const res = await request(s.url).get('/fhir/Patient?family=haile&shoe-size=42').expect(200);
    expect(res.body.link[0].url).not.toContain('shoe-size');
    expect(res.body.entry).toHaveLength(1);
    const strict = await request(s.url)
      .get('/fhir/Patient?family=haile&shoe-size=42')
      .set('Prefer', 'handling=strict');
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
  });

  it('400 naming the parameter for a malformed value', async () => {
    const res = await request(s.url).get('/fhir/Observation?date=xx2024');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['date']);
  });
});

it('fhir-kit-client follows next links to the end and finds what one big page finds', async () => {
  for (let i = 0; i < 23; i++)
    await put(obs(`page-${i}`, 'p3', '29463-7', `2024-05-${String(i + 1).padStart(2, '0')}`, 50 + i, 'kg'));
  const client = await fhirClient(s.base);
  const seen: string[] = [];
  let bundle = (await client.search({
    resourceType: 'Observation',
    searchParams: { code: '29463-7', _count: 5 },
  })) as unknown as {
    entry?: Array<{ resource: { id: string } }>;
    link: Array<{ relation: string; url: string }>;
  };
  for (;;) {
    seen.push(...(bundle.entry ?? []).map((e) => e.resource.id));
    // a resource created between pages must not disturb the pages of the ones that existed
    if (seen.length === 5) await put(obs('page-late', 'p3', '29463-7', '2024-06-30', 99, 'kg'));
    const next = client.nextPage({ bundle: bundle as never });
    if (!next) break;
    bundle = (await next) as never;
  }
  const all = await ids('Observation?code=29463-7&_count=100');
  const before = all.filter((id) => id !== 'page-late');
  expect(seen.filter((id) => id !== 'page-late').sort()).toEqual(before);
  expect(new Set(seen).size).toBe(seen.length);
});

describe('conditional interactions', () => {
  const body = (family: string) =>
    JSON.stringify({
      resourceType: 'Patient',
      identifier: [{ system: EPHR, value: 'C-1' }],
      name: [{ family }],
    });

  it('conditional create: none creates, one returns it, several are 412; concurrent ones make one resource', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(s.url)
          .post('/fhir/Patient')
          .set('Content-Type', FHIR)
          .set('If-None-Exist', `identifier=${EPHR}|C-1`)
          .send(body('Race')),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await ids(`Patient?identifier=${EPHR}|C-1`)).toHaveLength(1);
    const many = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .set('If-None-Exist', 'family=m')
      .send(body('X'));
    expect(many.status).toBe(412);
  });

  it('conditional update: one match is updated, none creates, several are 412', async () => {
    const upd = await request(s.url)
      .put(`/fhir/Patient?identifier=${EPHR}|C-1`)
      .set('Content-Type', FHIR)
      .send(body('Updated'))
      .expect(200);
    expect(upd.body.meta.versionId).toBe('2');
    const created = await request(s.url)
      .put(`/fhir/Patient?identifier=${EPHR}|C-2`)
      .set('Content-Type', FHIR)
      .send(body('New'));
    expect(created.status).toBe(201);
    expect(
      (await request(s.url).put('/fhir/Patient?family=m').set('Content-Type', FHIR).send(body('Many')))
        .status,
    ).toBe(412);
  });

  it('conditional delete: several are 412, one is deleted, none is a no-op', async () => {
    expect((await request(s.url).delete('/fhir/Patient?family=m')).status).toBe(412);
    await request(s.url).delete(`/fhir/Patient?identifier=${EPHR}|C-2`).expect(200);
    expect(await ids(`Patient?identifier=${EPHR}|C-2`)).toEqual([]);
    await request(s.url).delete(`/fhir/Patient?identifier=${EPHR}|C-404`).expect(200);
    expect((await request(s.url).delete('/fhir/Patient?shoe-size=1')).status).toBe(400);
  });
});
