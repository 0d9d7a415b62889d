// POST /fhir/$import-ephr over HTTP (issue 7 points 6-8): the fixtures imported, imported again (nothing new), an
// updated record (only the change), a malformed record (rejected, nothing stored), dry run, CSV; then a clinic's
// searches find the migrant.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Bundle, Immunization, Observation, Parameters, ParametersParameter } from 'fhir/r4';
import { fixtureNames, fixturesDir, loadFixture } from '../mapping/fixtures';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ IMPORT_CLINIC: 'Test reception clinic' });
});
afterAll(() => s.close());

const EPHR_ID = 'http://ephr-fhir.org/fhir/sid/ephr-id';

interface RecordResult {
  recordId: string;
  status: string;
  written: string[];
  outcome?: { issue: Array<{ severity: string; diagnostics?: string; expression?: string[] }> };
  bundle?: Bundle;
}

function results(body: Parameters): RecordResult[] {
  return (body.parameter ?? []).map((p) => {
    const part = (name: string): ParametersParameter[] => (p.part ?? []).filter((x) => x.name === name);
    const r: RecordResult = {
      recordId: part('recordId')[0]?.valueString ?? '',
      status: part('status')[0]?.valueCode ?? '',
      written: part('written').map((w) => w.valueReference?.reference ?? ''),
    };
    const outcome = part('outcome')[0]?.resource;
    if (outcome) r.outcome = outcome as unknown as NonNullable<RecordResult['outcome']>;
    const bundle = part('bundle')[0]?.resource;
    if (bundle) r.bundle = bundle as Bundle;
    return r;
  });
}

const importJson = (body: unknown, query = '') =>
  request(s.url)
    .post(`/fhir/$import-ephr${query}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
const count = async (query: string): Promise<number> =>
  (
    await request(s.url)
      .get(`/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`)
      .expect(200)
  ).body.total as number;
/** Every version the server holds, counted through the system history's pages. */
async function systemVersions(): Promise<number> {
  let n = 0;
  let next: string | undefined = `${s.base}/_history?_count=500`;
  while (next) {
    const page: request.Response = await request(next).get('').expect(200);
    n += (page.body.entry as unknown[] | undefined)?.length ?? 0;
    next = (page.body.link as Array<{ relation: string; url: string }>).find(
      (l) => l.relation === 'next',
    )?.url;
  }
  if (n === 0) throw new Error('the system history is empty');
  return n;
}

const names = fixtureNames();
const records = names.map((n) => loadFixture(n));
const byId = (id: string): Record<string, unknown> => records.find((r) => r.ephrId === id)!;

describe('$import-ephr', () => {
  let firstWritten: string[] = [];

  it('imports every fixture: one report per record, each created', async () => {
    const res = await importJson(records).expect(200);
    expect(res.body.resourceType).toBe('Parameters');
    const out = results(res.body);
    expect(out.map((r) => r.recordId)).toEqual(records.map((r) => String(r.ephrId)));
    expect(out.filter((r) => r.status !== 'created').map((r) => `${r.recordId} ${r.status}`)).toEqual([]);
    firstWritten = out.flatMap((r) => r.written);
    expect(firstWritten.every((w) => w.endsWith('/_history/1'))).toBe(true);
    expect(await count(`Patient?identifier=${EPHR_ID}|`)).toBe(new Set(records.map((r) => r.ephrId)).size);
  }, 300_000); // every fixture, each a transaction of conditional updates: FerretDB scans for each

  it('importing the same records again creates nothing and adds no version', async () => {
    const before = await systemVersions();
    const res = await importJson(records).expect(200);
    const out = results(res.body);
    expect([...new Set(out.map((r) => r.status))]).toEqual(['unchanged']);
    expect(out.flatMap((r) => r.written).sort()).toEqual([...firstWritten].sort());
    expect(await systemVersions()).toBe(before);
  }, 300_000);

  it('an updated record changes only what changed', async () => {
    const record = structuredClone(byId('GR-2023-000101'));
    const episode = (record.episodes as Array<Record<string, unknown>>)[0]!;
    const vitals = episode.vitals as Record<string, unknown>;
    const heartRate = vitals.heartRate as Record<string, unknown>; // derives nothing else (weight feeds the BMI)
    heartRate.value = Number(heartRate.value) + 1;
    const before = await systemVersions();
    const res = await importJson(record).expect(200);
    const [r] = results(res.body);
    expect(r!.status).toBe('updated');
    const changed = r!.written.filter((w) => !w.endsWith('/_history/1'));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/^Observation\/[^/]+\/_history\/2$/);
    expect(await systemVersions()).toBe(before + 1);
    const obs = await request(s.url)
      .get(`/fhir/${changed[0]!.replace(/\/_history\/2$/, '')}`)
      .expect(200);
    expect((obs.body as Observation).valueQuantity?.value).toBe(Number(heartRate.value));
  });

  it('a known record with an added vaccination is updated: the Immunization created, its Provenance revised', async () => {
    // Another record than the one changed above, which is still stored with its changed heart rate.
    const record = structuredClone(byId('GR-2023-000102'));
    const episode = (record.episodes as Array<Record<string, unknown>>)[0]!;
    episode.vaccinations = [
      ...((episode.vaccinations as unknown[] | undefined) ?? []),
      { id: 'mmr-1', vaccine: 'MMR', date: '2023-09-16', source: 'administered', doseNumber: 1 },
    ];
    const before = await systemVersions();
    const res = await importJson(record).expect(200);
    const [r] = results(res.body);
    expect(r!.status).toBe('updated');
    const fresh = r!.written.filter((w) => !firstWritten.includes(w)).sort();
    expect(fresh).toEqual([
      expect.stringMatching(/^Immunization\/[^/]+\/_history\/1$/),
      expect.stringMatching(/^Provenance\/[^/]+\/_history\/2$/), // its targets now include the Immunization
    ]);
    expect(await systemVersions()).toBe(before + 2);
  });

  it('a malformed record is rejected with the JSON path of each error, and nothing of it is stored', async () => {
    const bad = JSON.parse(
      fs.readFileSync(path.join(fixturesDir, 'invalid', 'bad-dates-and-codes.json'), 'utf8'),
    ) as Record<string, unknown>;
    const before = await systemVersions();
    const res = await importJson(bad).expect(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const issues = res.body.issue as Array<{ severity: string; expression?: string[] }>;
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => (i.expression ?? []).length > 0)).toBe(true);
    expect(await systemVersions()).toBe(before);
    if (typeof bad.ephrId === 'string')
      expect(await count(`Patient?identifier=${EPHR_ID}|${bad.ephrId}`)).toBe(0);
  });

  it('a batch with one malformed record imports the others and reports the failure', async () => {
    const fresh = { ...structuredClone(byId('GR-2023-000101')), ephrId: 'GR-2099-000001' };
    const broken = { ...structuredClone(fresh), ephrId: 'GR-2099-000002', episodes: 'not a list' };
    const res = await importJson([fresh, broken]).expect(200);
    expect(results(res.body).map((r) => r.status)).toEqual(['created', 'failed']);
    expect(await count(`Patient?identifier=${EPHR_ID}|GR-2099-000001`)).toBe(1);
    expect(await count(`Patient?identifier=${EPHR_ID}|GR-2099-000002`)).toBe(0);
  });

  it('two imports of the same new record at once make one Patient and one of each of its resources', async () => {
    const fresh = { ...structuredClone(byId('GR-2023-000101')), ephrId: 'GR-2099-000020' };
    const [a, b] = await Promise.all([importJson(fresh), importJson(fresh)]);
    // The second waits for the first's Patient; on a loaded machine it may give up after 5 s (409, try again).
    for (const r of [a, b]) if (r.status !== 200) expect(r.body.issue[0].code).toBe('lock-error');
    const reports = [a, b].filter((r) => r.status === 200).map((r) => results(r.body)[0]!);
    expect(reports.map((r) => r.status)).toContain('created');
    expect(reports.map((r) => r.status)).not.toContain('failed');
    const resources = (r: RecordResult) => new Set(r.written.map((w) => w.replace(/\/_history\/\d+$/, '')));
    if (reports.length === 2) expect(resources(reports[1]!)).toEqual(resources(reports[0]!));
    expect(await count(`Patient?identifier=${EPHR_ID}|GR-2099-000020`)).toBe(1);
  });

  it('format= reads another export layout (mappings/formats); an unknown format is a 400', async () => {
    const dir = path.join(fixturesDir, 'formats', 'example-clinic-export');
    const exported = JSON.parse(fs.readFileSync(path.join(dir, '01-syrian-family-father.json'), 'utf8')) as {
      record_id: string;
    };
    exported.record_id = 'GR-2099-000010';
    const res = await importJson(exported, '?format=example-clinic-export').expect(200);
    const [r] = results(res.body);
    expect([r!.recordId, r!.status]).toEqual(['GR-2099-000010', 'created']);
    const unmapped = (res.body as Parameters).parameter?.[0]?.part?.filter((p) => p.name === 'unmapped');
    expect(unmapped?.map((p) => p.valueString)).toEqual([
      'export.visits[0].ward: no mapping rule for this field',
    ]);
    expect(await count(`Patient?identifier=${EPHR_ID}|GR-2099-000010&family=al-hassan`)).toBe(1);
    const bad = await importJson(exported, '?format=no-such-format');
    expect([bad.status, bad.body.resourceType]).toEqual([400, 'OperationOutcome']);
  });

  it('dryRun=true returns the Bundles and stores nothing', async () => {
    const fresh = { ...structuredClone(byId('GR-2023-000101')), ephrId: 'GR-2099-000003' };
    const before = await systemVersions();
    const res = await importJson(fresh, '?dryRun=true').expect(200);
    const [r] = results(res.body);
    expect(r!.status).toBe('mapped');
    expect(r!.bundle?.type).toBe('transaction');
    expect(r!.bundle?.entry?.length).toBeGreaterThan(5);
    expect(await systemVersions()).toBe(before);
  });

  it('refuses every impossible date at its record field, in a dry run and an import alike, storing nothing', async () => {
    const bad = JSON.parse(
      fs.readFileSync(path.join(fixturesDir, 'invalid', 'impossible-dates.json'), 'utf8'),
    ) as Record<string, unknown>;
    const fields = [
      'episodes[0].date',
      'episodes[0].followUp.date',
      'episodes[0].vaccinations[0].date',
      'identification.birthDate',
      'migration.arrivalDate',
      'migration.transitCountries[0].to',
    ];
    const fresh = { ...structuredClone(byId('GR-2023-000101')), ephrId: 'GR-2099-000030' };
    for (const query of ['?dryRun=true', '']) {
      const res = await importJson([fresh, bad], query).expect(200);
      const r = results(res.body)[1];
      expect({ query, status: r?.status }).toEqual({ query, status: 'failed' });
      const paths = (r?.outcome?.issue ?? []).flatMap((i) => i.expression ?? []).sort();
      expect({ query, paths }).toEqual({ query, paths: fields });
    }
    const before = await systemVersions();
    const single = await importJson(bad).expect(422);
    const paths = (single.body.issue as Array<{ expression?: string[] }>).flatMap((i) => i.expression ?? []);
    expect(paths.sort()).toEqual(fields);
    expect(await systemVersions()).toBe(before);
    expect(await count(`Patient?identifier=${EPHR_ID}|GR-X-DATES`)).toBe(0);
  });

  it('imports CSV (text/csv), one row per episode', async () => {
    const csv = fs.readFileSync(path.join(fixturesDir, 'clinic-export.csv'), 'utf8');
    const res = await request(s.url)
      .post('/fhir/$import-ephr')
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    const out = results(res.body);
    expect(out.length).toBeGreaterThan(0);
    expect(out.filter((r) => r.status === 'failed')).toEqual([]);
    for (const r of out) expect(await count(`Patient?identifier=${EPHR_ID}|${r.recordId}`)).toBe(1);
  });

  it('refuses a body that is not JSON or CSV, and GET', async () => {
    const res = await request(s.url)
      .post('/fhir/$import-ephr')
      .set('Content-Type', 'application/json')
      .send('{"ephrId": ');
    expect([res.status, res.body.resourceType]).toEqual([400, 'OperationOutcome']);
    const get = await request(s.url).get('/fhir/$import-ephr');
    expect(get.status).toBeGreaterThanOrEqual(400);
    expect(get.status).toBeLessThan(500);
  });
});

describe('mapped resources through $validate', () => {
  it.each(names)('%s: every resource of its Bundle passes $validate', async (name) => {
    const res = await importJson(loadFixture(name), '?dryRun=true').expect(200);
    const bundle = results(res.body)[0]!.bundle!;
    const errors: string[] = [];
    for (const [i, e] of (bundle.entry ?? []).entries()) {
      const r = e.resource!;
      const out = await request(s.url)
        .post(`/fhir/${r.resourceType}/$validate`)
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify(r))
        .expect(200);
      for (const x of out.body.issue as Array<{
        severity: string;
        expression?: string[];
        diagnostics: string;
      }>)
        if (x.severity === 'error' || x.severity === 'fatal')
          errors.push(`entry[${i}] ${x.expression?.join() ?? ''}: ${x.diagnostics}`);
    }
    expect(errors).toEqual([]);
  });
});

describe("after import, a clinic's searches find the migrant", () => {
  const golden = (name: string): Bundle =>
    JSON.parse(fs.readFileSync(path.join(fixturesDir, 'expected', `${name}.bundle.json`), 'utf8')) as Bundle;

  it('Patient by e-PHR id (token and our ephr-id parameter) and by name', async () => {
    const one = await request(s.url).get(`/fhir/Patient?identifier=${EPHR_ID}|GR-2023-000101`).expect(200);
    expect(one.body.entry).toHaveLength(1);
    const viaParam = await request(s.url).get('/fhir/Patient?ephr-id=GR-2023-000101').expect(200);
    expect(viaParam.body.entry[0].resource.id).toBe(one.body.entry[0].resource.id);
    const byName = await request(s.url).get('/fhir/Patient?family=Al-Hassan&given=Omar').expect(200);
    expect(byName.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain(
      one.body.entry[0].resource.id,
    );
  });

  it.each(names.filter((n) => !n.startsWith('20-')).slice(0, 6))(
    '%s: its Observations by patient, code and date, its Immunizations by vaccine code',
    async (name) => {
      const record = loadFixture(name);
      const bundle = golden(name);
      const patient = await request(s.url)
        .get(`/fhir/Patient?identifier=${EPHR_ID}|${String(record.ephrId)}`)
        .expect(200);
      const pid = patient.body.entry[0].resource.id as string;
      const obs = (bundle.entry ?? [])
        .map((e) => e.resource)
        .find(
          (r): r is Observation =>
            r?.resourceType === 'Observation' && !!(r as Observation).effectiveDateTime,
        );
      if (obs) {
        const c = obs.code.coding![0]!;
        const day = obs.effectiveDateTime!.slice(0, 10);
        const res = await request(s.url)
          .get(`/fhir/Observation?patient=Patient/${pid}&code=${c.system}|${c.code}&date=${day}`)
          .expect(200);
        expect(res.body.entry?.length ?? 0).toBeGreaterThanOrEqual(1);
        const none = await request(s.url)
          .get(`/fhir/Observation?patient=Patient/${pid}&code=${c.system}|${c.code}&date=gt2100-01-01`)
          .expect(200);
        expect(none.body.entry ?? []).toEqual([]);
      }
      for (const imm of (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is Immunization => r?.resourceType === 'Immunization')) {
        const c = imm.vaccineCode.coding?.[0];
        if (!c) continue;
        const res = await request(s.url)
          .get(`/fhir/Immunization?patient=Patient/${pid}&vaccine-code=${c.system}|${c.code}`)
          .expect(200);
        expect(res.body.entry?.length ?? 0).toBeGreaterThanOrEqual(1);
      }
    },
  );
});
