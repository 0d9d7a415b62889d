// The profiles/ folder as a FHIR NPM package: every file parses, is named and identified by the naming contract.
import fs from 'node:fs';
import path from 'node:path';
import { CANONICAL, PROFILES_DIR, profileResources, readJson, type Json } from './support';

const resources = profileResources();

const STRUCTURE_DEFINITIONS: Record<string, [string, string]> = {
  'ephr-patient': ['EphrPatient', 'Patient'],
  'ephr-encounter': ['EphrEncounter', 'Encounter'],
  'ephr-immunization': ['EphrImmunization', 'Immunization'],
  'ephr-condition': ['EphrCondition', 'Condition'],
  'ephr-lab-result': ['EphrLabResult', 'Observation'],
  'ephr-screening-observation': ['EphrScreeningObservation', 'Observation'],
  'ephr-gbv-response': ['EphrGbvResponse', 'QuestionnaireResponse'],
  'ephr-migration-status': ['MigrationStatus', 'Extension'],
  'ephr-migration-history': ['MigrationHistory', 'Extension'],
  'ephr-birthdate-estimated': ['BirthDateEstimated', 'Extension'],
};

it('holds every contracted artefact', () => {
  const names = [...resources.keys()];
  for (const id of Object.keys(STRUCTURE_DEFINITIONS)) expect(names).toContain(`StructureDefinition-${id}.json`);
  for (const id of [
    'migration-status',
    'gbv-type',
    'gbv-perpetrator',
    'gbv-location',
    'gbv-referral',
    'gbv-interpretation',
    'gbv-enquiry-reason',
    'lives-response',
  ]) {
    expect(names).toContain(`CodeSystem-${id}.json`);
    expect(names).toContain(`ValueSet-${id}.json`);
  }
  for (const id of [
    'patient-nationality',
    'patient-country-of-origin',
    'patient-arrival-date',
    'patient-migration-status',
    'patient-ephr-id',
  ]) {
    expect(names).toContain(`SearchParameter-${id}.json`);
  }
  expect(names).toContain('Questionnaire-gbv-clinical-enquiry.json');
});

describe.each([...resources.entries()])('%s', (file, r) => {
  it('is named <resourceType>-<id>.json with url <canonical>/<resourceType>/<id>', () => {
    expect(file).toBe(`${r.resourceType}-${r.id}.json`);
    expect(r.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(r.url).toBe(`${CANONICAL}/${r.resourceType}/${r.id}`);
    expect(r.name).toMatch(/^[A-Z][A-Za-z0-9_]{0,254}$/);
    expect(r.version).toBe(readJson(path.join(PROFILES_DIR, 'package.json')).version);
    expect(['draft', 'active']).toContain(r.status);
    expect(typeof r.description).toBe('string');
  });
});

describe.each(Object.entries(STRUCTURE_DEFINITIONS))('StructureDefinition %s', (id, [name, type]) => {
  const sd = resources.get(`StructureDefinition-${id}.json`)!;
  it('is a constraint on a core R4 type with a differential', () => {
    expect(sd.name).toBe(name);
    expect(sd.type).toBe(type);
    expect(sd.derivation).toBe('constraint');
    expect(sd.abstract).toBe(false);
    expect(sd.fhirVersion).toBe('4.0.1');
    expect(sd.kind).toBe(type === 'Extension' ? 'complex-type' : 'resource');
    expect(sd.baseDefinition).toBe(`http://hl7.org/fhir/StructureDefinition/${type}`);
    expect(sd.differential.element.length).toBeGreaterThan(2);
    if (type === 'Extension') {
      expect(sd.context.length).toBeGreaterThan(0);
      const url = (sd.differential.element as Json[]).find((e) => e.id === 'Extension.url')!;
      expect(url.fixedUri).toBe(sd.url);
    }
  });
});

it('has a FHIR package manifest', () => {
  const pkg = readJson(path.join(PROFILES_DIR, 'package.json'));
  expect(pkg).toMatchObject({
    name: 'ephr-fhir.profiles',
    fhirVersions: ['4.0.1'],
    canonical: CANONICAL,
    type: 'IG',
    dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
  });
  expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
});

it('has a .index.json listing every resource file', () => {
  const index = readJson(path.join(PROFILES_DIR, '.index.json'));
  expect(index['index-version']).toBe(1);
  const expected = [...resources.entries()].map(([filename, r]) => {
    const e: Record<string, unknown> = {
      filename,
      resourceType: r.resourceType,
      id: r.id,
      url: r.url,
      version: r.version,
    };
    if (r.kind) e.kind = r.kind;
    if (r.type) e.type = r.type;
    return e;
  });
  expect(index.files).toEqual(expected);
});

it('holds no stray files', () => {
  const files = fs.readdirSync(PROFILES_DIR).filter((f) => !resources.has(f));
  expect(files.sort()).toEqual(['.index.json', 'package.json']);
});
