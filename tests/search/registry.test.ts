// The parameter registry (searchparameter.html) and the compiled walkers that evaluate its expressions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FhirResource } from 'fhir/r4';
import { buildRegistry, indexResource, searchParameterRegistry } from '../../src/search';
import { compileExpression, fhirpathEvaluator } from '../../src/search/paths';
import { concreteResourceTypes, R4_PACKAGE_DIR, readPackageFile } from '../../src/fhir/definitions';

describe('registry', () => {
  const reg = searchParameterRegistry();
  it('has every R4 parameter of every type, with its type, and the Resource ones', () => {
    const types = [...concreteResourceTypes()];
    expect(types.length).toBeGreaterThanOrEqual(145);
    for (const t of types) expect(reg.get(t, '_id')?.type).toBe('token');
    expect(reg.get('Patient', 'birthdate')).toMatchObject({ type: 'date', expression: 'Patient.birthDate' });
    expect(reg.get('Observation', 'subject')?.target).toContain('Patient');
    expect(reg.get('Observation', 'code-value-quantity')?.components.map((c) => c.type)).toEqual([
      'token',
      'quantity',
    ]);
    const total = types.reduce((n, t) => n + reg.byType(t).length, 0);
    expect(total).toBeGreaterThan(2500);
  });
  it('splits multi-base expressions per type (clinical-patient)', () => {
    expect(reg.get('AllergyIntolerance', 'patient')?.expression).toBe('AllergyIntolerance.patient');
    expect(reg.get('Observation', 'patient')?.expression).toBe(
      'Observation.subject.where(resolve() is Patient)',
    );
  });
  it('adds our own SearchParameters from extra folders', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-'));
    fs.writeFileSync(
      path.join(dir, 'SearchParameter-Patient-nationality.json'),
      JSON.stringify({
        resourceType: 'SearchParameter',
        url: 'http://iom.int/fhir/SearchParameter/Patient-nationality',
        name: 'nationality',
        status: 'active',
        code: 'nationality',
        base: ['Patient'],
        type: 'token',
        expression:
          "Patient.extension('http://hl7.org/fhir/StructureDefinition/patient-nationality').extension('code').value",
      }),
    );
    const own = buildRegistry({ extraSearchParameterDirs: [dir] });
    expect(own.get('Patient', 'nationality')?.type).toBe('token');
    const p: FhirResource = {
      resourceType: 'Patient',
      id: 'n',
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
          extension: [
            {
              url: 'code',
              valueCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:3166', code: 'ER' }] },
            },
          ],
        },
      ],
    };
    expect(indexResource(p, {}, own).idx.k).toContain('nationality|urn:iso:std:iso:3166|ER');
    expect(compileExpression(own.get('Patient', 'nationality')?.expression ?? '', 'Patient').direct).toBe(
      true,
    );
    fs.rmSync(dir, { recursive: true });
  });
});

/** Large definitional resources: left out to keep the comparison quick. */
const CONFORMANCE = new Set([
  'StructureDefinition',
  'CodeSystem',
  'ValueSet',
  'CapabilityStatement',
  'ImplementationGuide',
]);

describe('compiled walkers', () => {
  const reg = searchParameterRegistry();
  const examples = fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter((f) => f.endsWith('.json') && /^[A-Z]/.test(f))
    .map((f) => readPackageFile<FhirResource>(f))
    .filter((r) => concreteResourceTypes().has(r.resourceType) && !CONFORMANCE.has(r.resourceType));

  it('walk almost every expression directly', () => {
    let direct = 0;
    let all = 0;
    for (const t of concreteResourceTypes()) {
      for (const d of reg.byType(t)) {
        all++;
        if (compileExpression(d.expression, t).direct) direct++;
      }
    }
    expect(direct / all).toBeGreaterThan(0.99);
  });

  it('give the values the fhirpath package gives on the R4 examples (where it can evaluate them)', () => {
    let same = 0;
    const differ: string[] = [];
    for (const r of examples) {
      for (const d of reg.byType(r.resourceType)) {
        // resolve() needs a server; the package's `as` drops choice values our walkers keep (a known gap of it).
        // Composite roots are whole elements whose decimals the package rewrites; their components are compared.
        if (d.type === 'special' || d.type === 'composite') continue;
        if (d.expression.includes('resolve()') || / as |\.as\(/.test(d.expression)) continue;
        const c = compileExpression(d.expression, r.resourceType);
        if (!c.direct) continue;
        const ours = new Set(c.evaluate(r).map((v) => JSON.stringify(v)));
        const theirs = new Set(
          fhirpathEvaluator(d.expression)(structuredClone(r)).map((v) => JSON.stringify(v)),
        );
        if ([...ours].sort().join() === [...theirs].sort().join()) same++;
        else differ.push(`${r.resourceType}/${r.id ?? ''} ${d.code}`);
      }
    }
    expect(differ).toEqual([]);
    expect(same).toBeGreaterThan(20000);
  });

  it('index every R4 example within the database rules', () => {
    const bad: string[] = [];
    for (const r of examples) {
      const { idx, sort } = indexResource(r);
      for (const [key, values] of Object.entries(idx)) {
        if (!/^[a-z]+$/.test(key)) bad.push(key);
        for (const v of values)
          if (typeof v !== 'string' || v.includes('\u0000')) bad.push(`${key}: ${String(v)}`);
      }
      for (const key of Object.keys(sort)) if (!/^[-?]?[A-Za-z0-9_~-]+$/.test(key)) bad.push(key);
    }
    expect(bad).toEqual([]);
  });
});
