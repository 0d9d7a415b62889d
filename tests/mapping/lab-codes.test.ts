// A lab result's LOINC code follows its unit's property (issue 18 item 1): mass concentration, substance
// concentration, fraction, presence. Every lab of the lab-test ConceptMap in a mass and a molar unit, with the
// expected codes written by hand from LOINC (loinc.org), not produced by the mapper.
import type { Observation } from 'fhir/r4';
import { unitProperty } from '../../src/fhir/ucum';
import { mapRecord } from '../../src/mapping';
import { byType, clinic } from './fixtures';
import { EXPECTED, LOINC_PROPERTY, NONE, agrees, labels } from './lab-expectations';

function mapLab(lab: Record<string, unknown>) {
  const { bundle, report } = mapRecord(
    {
      ephrId: 'L-1',
      exportedAt: '2024-01-01T00:00:00Z',
      identification: { names: [{ family: 'Test' }] },
      episodes: [{ episodeId: 'E1', date: '2024-01-01', labs: [{ id: 'x', ...lab }] }],
    },
    { clinic },
  );
  const [obs] = byType(bundle, 'Observation');
  if (!obs) throw new Error(`no Observation for ${JSON.stringify(lab)}`);
  return { obs, report };
}
const loincOf = (o: Observation): string | null =>
  o.code.coding?.find((c) => c.system === 'http://loinc.org')?.code ?? null;

describe('lab codes follow the unit', () => {
  it('has an expectation for every lab of the ConceptMap', () => {
    expect(labels.filter((l) => !(l in EXPECTED))).toEqual([]);
  });

  describe.each(labels)('%s', (test) => {
    const e = EXPECTED[test] ?? NONE;
    it.each([
      ['mass', ...e.mass],
      ['molar', ...e.molar],
    ] as const)('in a %s unit (%s) is coded %s', (_kind, unit, loinc) => {
      const { obs, report } = mapLab({ test, value: 9.1, unit });
      expect(loincOf(obs)).toBe(loinc);
      expect(obs.code.text).toBe(test);
      expect(obs.valueQuantity).toMatchObject({ value: 9.1, system: 'http://unitsofmeasure.org' });
      if (loinc === null) {
        expect(report.issues.some((i) => i.severity === 'warning' && i.diagnostics?.includes(test))).toBe(
          true,
        );
        expect(obs.meta?.profile).toBeUndefined();
      } else {
        expect(agrees(LOINC_PROPERTY[loinc], unitProperty(obs.valueQuantity?.code ?? ''))).toBe(true);
      }
    });
    it(`as a coded result is coded ${String(e.coded)}`, () => {
      expect(loincOf(mapLab({ test, result: 'positive' }).obs)).toBe(e.coded);
    });
  });

  it.each([
    ['HbA1c', 6.5, '%', '4548-4', '%'],
    ['HbA1c', 48, 'mmol/mol', '59261-8', 'mmol/mol'],
    ['Creatinine', 1.1, 'mg/dL', '2160-0', 'mg/dL'],
    ['Creatinine', 80, 'µmol/L', '14682-9', 'umol/L'],
    ['Ferritin', 30, 'ng/ml', '2276-4', 'ng/mL'],
  ])('%s %s %s is coded %s, in UCUM %s', (test, value, unit, loinc, ucum) => {
    const { obs } = mapLab({ test, value, unit });
    expect(loincOf(obs)).toBe(loinc);
    expect(obs.valueQuantity).toMatchObject({ value, system: 'http://unitsofmeasure.org', code: ucum });
  });

  it('a value in a unit the ConceptMap does not know keeps code.text only, with a warning at the unit', () => {
    const { obs, report } = mapLab({ test: 'Hb', value: 9.1, unit: 'mmol/dl-ish' });
    expect(obs.code).toEqual({ text: 'Hb' });
    expect(report.issues.map((i) => i.expression?.[0])).toContain('episodes[0].labs[0].unit');
  });

  it('a value without a unit keeps code.text only', () => {
    const { obs, report } = mapLab({ test: 'Hb', value: 9.1 });
    expect(obs.code).toEqual({ text: 'Hb' });
    expect(report.issues.some((i) => i.diagnostics?.includes('without a unit'))).toBe(true);
  });
});

describe('unitProperty (from UCUM dimensions, expected by hand)', () => {
  it.each([
    ['g/dL', 'MCnc'],
    ['g/L', 'MCnc'],
    ['mg/dL', 'MCnc'],
    ['ng/mL', 'MCnc'],
    ['ug/L', 'MCnc'],
    ['mmol/L', 'SCnc'],
    ['umol/L', 'SCnc'],
    ['pmol/L', 'SCnc'],
    ['meq/L', 'SCnc'],
    ['10*9/L', 'NCnc'],
    ['/uL', 'NCnc'],
    ['[iU]/L', 'ACnc'],
    ['U/L', 'CCnc'],
    ['%', 'Fr'],
    ['mmol/mol', 'SFr'],
    ['mg/g', 'MFr'],
    ['mL/L', 'VFr'],
    ['kg', 'Mass'],
    ['cm', 'Len'],
    ['Cel', 'Temp'],
    ['mm[Hg]', 'Pres'],
    ['stone', undefined],
  ])('%s is %s', (unit, property) => {
    expect(unitProperty(unit)).toBe(property);
  });
});
