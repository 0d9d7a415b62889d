// Imported over HTTP, every lab of the lab-test ConceptMap in a mass and a molar unit is stored with the LOINC code
// its unit measures (issue 18 item 1): each stored Observation's code property agrees with its valueQuantity's unit.
import request from 'supertest';
import type { Bundle, Observation, Parameters } from 'fhir/r4';
import { unitProperty } from '../../src/fhir/ucum';
import { EXPECTED, LOINC_PROPERTY, NONE, agrees, labels } from '../mapping/lab-expectations';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ IMPORT_CLINIC: 'Test reception clinic' });
});
afterAll(() => s.close());

const labs = labels.flatMap((test, i) => {
  const e = EXPECTED[test] ?? NONE;
  return [
    { id: `m${i}`, test, value: 9.1, unit: e.mass[0], expected: e.mass[1] },
    { id: `s${i}`, test, value: 9.1, unit: e.molar[0], expected: e.molar[1] },
  ];
});
const record = {
  ephrId: 'LAB-1',
  exportedAt: '2024-01-01T00:00:00Z',
  identification: { names: [{ family: 'Test' }] },
  episodes: [{ episodeId: 'E1', date: '2024-01-01', labs: labs.map(({ expected: _e, ...lab }) => lab) }],
};

it('stores each lab value with the code of its unit property, and reports each that fits no code', async () => {
  const res = await request(s.url)
    .post('/fhir/$import-ephr')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify([record]))
    .expect(200);
  const part = (res.body as Parameters).parameter?.[0]?.part ?? [];
  expect(part.find((p) => p.name === 'status')?.valueCode).toBe('created');
  const outcome = part.find((p) => p.name === 'outcome')?.resource as
    { issue: Array<{ severity: string; expression?: string[] }> } | undefined;
  const warned = new Set((outcome?.issue ?? []).flatMap((i) => i.expression ?? []));

  const page = await request(s.url).get('/fhir/Observation?category=laboratory&_count=500').expect(200);
  const stored = ((page.body as Bundle).entry ?? []).map((e) => e.resource as Observation);
  expect(stored).toHaveLength(labs.length);
  labs.forEach((lab, i) => {
    const obs = stored.find((o) => o.identifier?.some((id) => id.value === `LAB-1/E1/lab/${lab.id}`));
    const loinc = obs?.code.coding?.find((c) => c.system === 'http://loinc.org')?.code ?? null;
    expect({ test: lab.test, unit: lab.unit, loinc }).toEqual({
      test: lab.test,
      unit: lab.unit,
      loinc: lab.expected,
    });
    const at = `episodes[0].labs[${i}]`;
    if (loinc === null) expect(warned.has(`${at}.unit`) || warned.has(`${at}.test`)).toBe(true);
  });
  for (const obs of stored) {
    const loinc = obs.code.coding?.find((c) => c.system === 'http://loinc.org')?.code;
    if (loinc === undefined) continue;
    const unit = unitProperty(obs.valueQuantity?.code ?? '');
    expect({ loinc, unit, agrees: agrees(LOINC_PROPERTY[loinc], unit) }).toEqual({
      loinc,
      unit,
      agrees: true,
    });
  }
});
