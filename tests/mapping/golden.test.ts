// Every e-PHR fixture maps to its golden Bundle, reports no unmapped schema field, and yields R4-valid resources.
import fs from 'node:fs';
import path from 'node:path';
import { mapRecord, parseCsv } from '../../src/mapping';
import { projectRoot } from '../../src/project-root';
import { createValidator } from '../../src/validation';
import { r4SchemaErrors } from '../support/r4-schema';
import {
  clinic,
  expectGolden,
  fixtureNames,
  fixturesDir,
  mapFixture,
  now,
  resources,
  schemaDefines,
} from './fixtures';

const names = fixtureNames();

describe('e-PHR fixtures', () => {
  it('has at least 20 records', () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  it.each(names)('%s maps to its golden Bundle', (name) => {
    const { bundle, report } = mapFixture(name);
    expect(report.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(bundle.type).toBe('transaction');
    expectGolden(`${name}.bundle.json`, bundle);
  });

  it.each(names)('%s: the report lists no unmapped field that the schema defines', (name) => {
    const { report } = mapFixture(name);
    expect(report.unmapped.filter((u) => schemaDefines(u.path))).toEqual([]);
  });

  it.each(names)('%s: every resource is valid against the R4 JSON schema', (name) => {
    for (const resource of resources(mapFixture(name).bundle)) {
      expect({ id: `${resource.resourceType}`, errors: r4SchemaErrors(resource) }).toEqual({
        id: resource.resourceType,
        errors: [],
      });
    }
  });

  const validator = createValidator({ profileDirs: [path.join(projectRoot, 'profiles')] });
  const validationErrors = (bundle: ReturnType<typeof mapFixture>['bundle']): string[] =>
    resources(bundle).flatMap((r, i) =>
      validator
        .validate(r)
        .filter((x) => x.severity === 'error' || x.severity === 'fatal')
        .map((x) => `entry[${i}] ${x.expression?.join() ?? ''}: ${x.diagnostics}`),
    );

  it.each(names)('%s: every resource conforms to the profile it claims and to base R4', (name) => {
    const { bundle } = mapFixture(name);
    const profiled = ['Patient', 'Encounter', 'Immunization', 'Condition', 'QuestionnaireResponse'];
    const unclaimed = resources(bundle).filter(
      (r) => profiled.includes(r.resourceType) && !(r.meta?.profile ?? []).length,
    );
    expect(unclaimed.map((r) => r.resourceType)).toEqual([]);
    expect(validationErrors(bundle)).toEqual([]);
  });

  it('lists fields the schema does not define as unmapped, with a reason', () => {
    const { report } = mapFixture('21-extra-export-fields');
    expect(report.unmapped.map((u) => u.path).sort()).toEqual([
      'bloodGroup',
      'episodes[0].vitals.waist.unit',
      'episodes[0].vitals.waist.value',
    ]);
    expect(report.unmapped.every((u) => u.reason.length > 0)).toBe(true);
  });
});

describe('CSV export', () => {
  const text = fs.readFileSync(path.join(fixturesDir, 'clinic-export.csv'), 'utf8');

  it('maps to its golden Bundles', () => {
    const bundles = parseCsv(text).map((r) => mapRecord(r, { clinic, now }));
    expect(bundles.flatMap((b) => b.report.issues.filter((i) => i.severity === 'error'))).toEqual([]);
    expectGolden(
      'clinic-export.bundles.json',
      bundles.map((b) => b.bundle),
    );
    for (const b of bundles) for (const r of resources(b.bundle)) expect(r4SchemaErrors(r)).toEqual([]);
  });

  it('reports the unknown column as unmapped and nothing the schema defines', () => {
    const reports = parseCsv(text).map((r) => mapRecord(r, { clinic, now }).report);
    expect(reports.flatMap((r) => r.unmapped.map((u) => u.path))).toEqual(['csv.shoe_size']);
  });
});
