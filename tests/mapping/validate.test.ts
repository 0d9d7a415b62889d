// Malformed e-PHR records are rejected with the JSON path of every error and produce nothing to store.
import path from 'node:path';
import { mapRecord, validateRecord } from '../../src/mapping';
import { clinic, fixturesDir, loadFixture } from './fixtures';

const invalid = (name: string) => loadFixture(name, path.join(fixturesDir, 'invalid'));
const errorPaths = (record: unknown) =>
  validateRecord(record)
    .filter((i) => i.severity === 'error')
    .flatMap((i) => i.expression ?? [])
    .sort();

describe('validateRecord', () => {
  it('accepts a valid record', () => {
    expect(validateRecord(loadFixture('01-syrian-family-father'))).toEqual([]);
  });

  it('names a missing required section', () => {
    expect(errorPaths(invalid('missing-episodes'))).toEqual(['episodes']);
  });

  it('names each malformed field by its path', () => {
    expect(errorPaths(invalid('bad-dates-and-codes'))).toEqual([
      'episodes[0].date',
      'episodes[0].diagnoses[0].icd10',
      'episodes[0].vitals.weight.value',
      'identification.birthDate',
      'identification.sex',
    ]);
  });

  it('refuses every impossible date (1994-02-30, 2024-06-31) at its own field, not only the first', () => {
    const issues = validateRecord(invalid('impossible-dates'));
    expect(issues.flatMap((i) => i.expression ?? []).sort()).toEqual([
      'episodes[0].date',
      'episodes[0].followUp.date',
      'episodes[0].vaccinations[0].date',
      'identification.birthDate',
      'migration.arrivalDate',
      'migration.transitCountries[0].to',
    ]);
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
    expect(issues.find((i) => i.expression?.[0] === 'identification.birthDate')?.diagnostics).toBe(
      "'1994-02-30' is not a calendar date (no such day)",
    );
  });

  it('accepts 29 February of a leap year, and partial dates', () => {
    const record = loadFixture('01-syrian-family-father') as { identification: { birthDate: string } };
    for (const birthDate of ['2000-02-29', '1996-02-29', '1994-02', '1994']) {
      record.identification.birthDate = birthDate;
      expect(validateRecord(record)).toEqual([]);
    }
    record.identification.birthDate = '1900-02-29';
    expect(errorPaths(record)).toEqual(['identification.birthDate']);
  });

  it('rejects duplicate item ids, which would collide as FHIR identifiers', () => {
    expect(errorPaths(invalid('duplicate-ids'))).toEqual(['episodes[0].labs[1].id', 'episodes[1].episodeId']);
  });

  it('rejects GBV answers under a declined enquiry', () => {
    expect(errorPaths(invalid('gbv-contradiction'))).toEqual(['episodes[0].gbv.hark']);
  });

  it('rejects a completed GBV enquiry whose preconditions were not met', () => {
    const record = loadFixture('08-gbv-disclosed') as {
      episodes: { gbv: { preconditions: { interpretation: string } } }[];
    };
    const ep = record.episodes[0];
    if (!ep) throw new Error('fixture changed');
    ep.gbv.preconditions.interpretation = 'family-member';
    expect(errorPaths(record)).toEqual(['episodes[0].gbv.preconditions']);
  });

  it('rejects what is not an object', () => {
    expect(errorPaths('not a record')).toEqual(['$']);
  });

  it('mapRecord returns an empty Bundle and the errors for a malformed record', () => {
    const { bundle, report } = mapRecord(invalid('bad-dates-and-codes'), { clinic });
    expect(bundle.entry).toEqual([]);
    expect(report.recordId).toBe('GR-X-2');
    expect(report.issues.length).toBeGreaterThan(0);
    expect(report.issues.every((i) => i.severity === 'error' && (i.expression?.length ?? 0) === 1)).toBe(
      true,
    );
  });
});
