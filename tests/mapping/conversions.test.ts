// Units converted to UCUM with the original kept, BMI derived, partial and unknown dates kept as they are.
import fs from 'node:fs';
import path from 'node:path';
import type { ConceptMap, Observation } from 'fhir/r4';
import { convertUnit } from '../../src/fhir/ucum';
import { mapRecord } from '../../src/mapping';
import { byType, clinic, itemIdentifier, mapFixture } from './fixtures';

function record(vitals: Record<string, unknown>, identification: Record<string, unknown> = {}) {
  return {
    ephrId: 'T-1',
    exportedAt: '2024-01-01T00:00:00Z',
    identification: { names: [{ family: 'Test' }], ...identification },
    episodes: [{ episodeId: 'E1', date: '2024-01-01', vitals }],
  };
}

function vital(bundle: ReturnType<typeof mapRecord>['bundle'], item: string): Observation {
  const obs = byType(bundle, 'Observation').find((o) => itemIdentifier(o) === `T-1/E1/vital/${item}`);
  if (!obs) throw new Error(`no ${item}`);
  return obs;
}

describe('vital-sign units', () => {
  const { bundle } = mapRecord(
    record({
      temperature: { value: 98.6, unit: '°F' },
      weight: { value: 220, unit: 'lbs' },
      height: { value: 72, unit: 'inches' },
    }),
    { clinic },
  );

  it('converts °F to Cel and keeps the recorded value in originalText', () => {
    expect(vital(bundle, 'temperature').valueQuantity).toEqual({
      value: 37,
      unit: 'Cel',
      system: 'http://unitsofmeasure.org',
      code: 'Cel',
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/originalText', valueString: '98.6 °F' }],
    });
  });

  it('converts lb to kg and in to cm', () => {
    expect(vital(bundle, 'weight').valueQuantity?.value).toBe(99.8);
    expect(vital(bundle, 'height').valueQuantity?.value).toBe(182.9);
    expect(vital(bundle, 'height').valueQuantity?.code).toBe('cm');
  });

  it('derives BMI from weight and height, with derivedFrom both', () => {
    const bmi = vital(bundle, 'bmi');
    expect(bmi.valueQuantity).toMatchObject({ value: 29.8, code: 'kg/m2' });
    expect(bmi.derivedFrom).toEqual([
      {
        reference: bundle.entry?.find(
          (e) => itemIdentifier(e.resource as Observation) === 'T-1/E1/vital/weight',
        )?.fullUrl,
      },
      {
        reference: bundle.entry?.find(
          (e) => itemIdentifier(e.resource as Observation) === 'T-1/E1/vital/height',
        )?.fullUrl,
      },
    ]);
  });

  it('leaves kg, cm and Cel untouched without an originalText', () => {
    const { bundle: b } = mapRecord(record({ weight: { value: 70.25, unit: 'kg' } }), { clinic });
    expect(vital(b, 'weight').valueQuantity).toEqual({
      value: 70.3,
      unit: 'kg',
      system: 'http://unitsofmeasure.org',
      code: 'kg',
    });
  });

  it('does not invent a value for a unit it cannot convert, and reports the field', () => {
    const { bundle: b, report } = mapRecord(record({ weight: { value: 10, unit: 'stone' } }), { clinic });
    expect(byType(b, 'Observation')).toEqual([]);
    expect(report.unmapped.map((u) => u.path)).toEqual(['episodes[0].vitals.weight']);
    expect(report.issues.map((i) => i.expression)).toEqual([['episodes[0].vitals.weight.unit']]);
  });
});

describe('unit conversion through @lhncbc/ucum-lhc', () => {
  // The table the mapping used before (mappings/unit-conversions.json): target = (source + offset) × factor.
  const TABLE = [
    { from: '[lb_av]', to: 'kg', factor: 0.45359237 },
    { from: 'g', to: 'kg', factor: 0.001 },
    { from: '[in_i]', to: 'cm', factor: 2.54 },
    { from: 'm', to: 'cm', factor: 100 },
    { from: 'mm', to: 'cm', factor: 0.1 },
    { from: '[degF]', to: 'Cel', offset: -32, factor: 5 / 9 },
  ];
  const mappings = path.join(__dirname, '../../mappings');
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(mappings, file), 'utf8'));
  /** Every `unit` of the observation rules: the units values are converted to. */
  const ruleUnits = new Set<string>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) {
        if (k === 'unit' && typeof x === 'string') ruleUnits.add(x);
        else collect(x);
      }
  };
  collect(read('rules/observations.json'));
  /** Every UCUM code a recorded unit label can become: the units values are converted from. */
  const labelUnits = new Set(
    (read('concept-maps/unit.json') as ConceptMap).group?.flatMap((g) =>
      (g.element ?? []).flatMap((e) => (e.target ?? []).flatMap((t) => (t.code ? [t.code] : []))),
    ),
  );

  it('agrees with the former table on every conversion it had', () => {
    for (const c of TABLE)
      for (const value of [0, 1, 37.5, 98.6, 220, 1234.5]) {
        const expected = (value + (c.offset ?? 0)) * c.factor;
        expect(convertUnit(value, c.from, c.to)).toBeCloseTo(expected, 9);
      }
  });

  it('converts between the mapped units exactly where the table did (or the units are the same)', () => {
    expect(ruleUnits.size).toBeGreaterThan(3);
    expect(labelUnits.size).toBeGreaterThan(10);
    for (const from of labelUnits)
      for (const to of ruleUnits) {
        const inTable = from === to || TABLE.some((c) => c.from === from && c.to === to);
        expect([from, to, convertUnit(1, from, to) !== undefined]).toEqual([from, to, inTable]);
      }
  });
});

describe('dates', () => {
  it('keeps partial birth dates partial and marks estimated ones', () => {
    const p = byType(mapFixture('03-birth-year-estimated').bundle, 'Patient')[0];
    expect(p?.birthDate).toBe('1990');
    expect(p?._birthDate).toEqual({
      extension: [
        { url: 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-birthdate-estimated', valueBoolean: true },
      ],
    });
    expect(byType(mapFixture('04-birth-month-only').bundle, 'Patient')[0]?.birthDate).toBe('1992-05');
  });

  it('records an unknown birth date as data-absent-reason, never a made-up date', () => {
    const p = byType(mapFixture('02-no-birth-date').bundle, 'Patient')[0];
    expect(p?.birthDate).toBeUndefined();
    expect(p?._birthDate).toEqual({
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    });
  });

  it('records a vaccination with an unknown date as data-absent-reason, reported doses not primary source', () => {
    const imms = byType(mapFixture('07-vaccination-unknown-date').bundle, 'Immunization');
    const bcg = imms.find((i) => itemIdentifier(i) === 'HR-2023-000107/E1/vaccination/bcg');
    expect(bcg?.occurrenceDateTime).toBeUndefined();
    expect(bcg?._occurrenceDateTime).toEqual({
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    });
    expect(bcg?.primarySource).toBe(false);
    expect(bcg?.reportOrigin?.coding?.[0]?.code).toBe('record');
    const polio = imms.find((i) => itemIdentifier(i) === 'HR-2023-000107/E1/vaccination/polio');
    expect(polio?.occurrenceDateTime).toBe('2005');
    const td = imms.find((i) => itemIdentifier(i) === 'HR-2023-000107/E1/vaccination/td');
    expect(td?.primarySource).toBe(true);
    expect(td?.vaccineCode.coding?.map((c) => c.code)).toEqual(['871826000', 'J07AM51']);
  });
});

describe('ConceptMaps', () => {
  it('maps country names in English, French and Arabic to ISO 3166 and keeps the label', () => {
    const p = byType(mapFixture('05-arabic-script-only').bundle, 'Patient')[0];
    const nat = p?.extension?.find(
      (e) => e.url === 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
    );
    expect(nat?.extension?.[0]?.valueCodeableConcept).toEqual({
      coding: [{ system: 'urn:iso:std:iso:3166', code: 'SY', display: 'Syrian Arab Republic' }],
      text: 'الجمهورية العربية السورية',
    });
    expect(p?.communication?.[0]?.language.coding?.[0]?.code).toBe('ar');
  });

  it('keeps an unmapped country as text only, with a warning', () => {
    const { bundle, report } = mapFixture('19-stateless-unknown-codes');
    const nat = byType(bundle, 'Patient')[0]?.extension?.find((e) => e.url.endsWith('patient-nationality'));
    expect(nat?.extension?.[0]?.valueCodeableConcept).toEqual({ text: 'Stateless' });
    expect(report.issues.some((i) => i.expression?.[0] === 'identification.nationalities[0]')).toBe(true);
  });
});
