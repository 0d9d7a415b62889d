// The direct FHIRPath evaluator of invariants gives the fhirpath package's answers, or gives up and leaves it to it.
import * as fhirpath from 'fhirpath';
import * as r4 from 'fhirpath/fhir-context/r4';
import fs from 'node:fs';
import path from 'node:path';
import { createValidator } from '../../src/validation';
import { compileFast, fastPath, isGiveUp } from '../../src/validation/fastpath';
import { mutate } from './mutations';
import { mutateNested } from './nested-mutations';
import { INVALID_EXAMPLES, r4Examples } from './r4-examples';

type Json = Record<string, unknown>;

/** The package's answer, or 'throws' (the validator reports an invariant it cannot evaluate). */
function packageAnswer(expression: string, base: string, node: Json, env: Json): unknown {
  try {
    return fhirpath.evaluate(node, { base, expression }, env, r4);
  } catch {
    return 'throws';
  }
}

/** The direct answer, or 'gives up'. */
function fastAnswer(expression: string, base: string, node: Json, env: Json): unknown {
  const f = compileFast(expression, base);
  if (!f) throw new Error(`${expression} is not compiled`);
  try {
    return f(node, env);
  } catch (e) {
    if (isGiveUp(e)) return 'gives up';
    throw e;
  }
}

const UCUM = 'http://unitsofmeasure.org';
const obs = (extra: Json): Json => ({ resourceType: 'Observation', status: 'final', ...extra });
const pat = (extra: Json): Json => ({ resourceType: 'Patient', ...extra });
const DAR = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
const ESTIMATED = 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-birthdate-estimated';
const NATIONALITY = 'http://hl7.org/fhir/StructureDefinition/patient-nationality';
const CITIZENSHIP = 'http://hl7.org/fhir/StructureDefinition/patient-citizenship';
const MH_1 =
  "(extension('departureDate').exists() and extension('arrivalDate').exists()) implies (extension('departureDate').value <= extension('arrivalDate').value)";
const migration = (departure: string, arrival: string): Json => ({
  url: 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-migration-history',
  extension: [
    { url: 'departureDate', valueDate: departure },
    { url: 'arrivalDate', valueDate: arrival },
  ],
});
const nationality = (system: string): Json => ({
  url: NATIONALITY,
  extension: [{ url: 'code', valueCodeableConcept: { coding: [{ system, code: 'SY' }] } }],
});

describe('the direct FHIRPath evaluator', () => {
  const cases: [string, string, Json, unknown][] = [
    // choice elements are found by the types the model allows at that path, as the package does
    ['value.empty()', 'Observation', obs({ valueQuantity: { value: 1 } }), [false]],
    ['value.empty()', 'Observation', obs({ valueAddress: { city: 'x' } }), [true]],
    ['dataAbsentReason.empty() or value.empty()', 'Observation', obs({}), [true]],
    // Timing.repeat.period is not a choice: periodMax does not make it present
    ['periodMax.empty() or period.exists()', 'Timing.repeat', { periodMax: 2 }, [false]],
    // three-valued logic with empty operands
    ['code.exists() implies system.exists()', 'Quantity', { value: 1 }, [true]],
    ["comparator = '<'", 'Quantity', { value: 1 }, []],
    ['(a.count() + b.count()) > 0', 'Quantity', { a: [1, 2] }, [true]],
    // same-precision dates compare by order; other precisions are left to the package
    ['start <= end', 'Period', { start: '2020-01-02', end: '2020-01-01' }, [false]],
    ['start <= end', 'Period', { start: '2020-01-01T10:00:00Z', end: '2020-01-01T11:00:00Z' }, [true]],
    ['start <= end', 'Period', { start: '2020-01', end: '2020-01-01' }, 'gives up'],
    ['start <= end', 'Period', { start: '2021-02-30', end: '2021-03-01' }, 'gives up'],
    // a primitive's extensions are seen by the package on the element: one node, of no value without `start`
    ['start.hasValue()', 'Period', { _start: { extension: [{ url: 'x', valueString: 'y' }] } }, [false]],
    ['start.hasValue()', 'Period', { start: '2020', _start: { id: 'a' } }, [true]],
    ['start.hasValue()', 'Period', { start: { x: 1 }, _start: { id: 'a' } }, 'gives up'],
    ['start.hasValue()', 'Period', { start: '2020' }, [true]],
    // where/all with %resource
    [
      "entry.all(request.exists() = (%resource.type = 'batch'))",
      'Bundle',
      { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'x' } }, {}] },
      [false],
    ],
    [
      "contained.where(id = 'a').exists()",
      'Patient',
      { resourceType: 'Patient', contained: [{ resourceType: 'Patient', id: 'a' }] },
      [true],
    ],
    // select, & and isDistinct (bdl-7), in, contains, first, and intersect when a side is empty
    [
      'entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()',
      'Bundle',
      {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { fullUrl: 'urn:a', resource: { resourceType: 'Patient', meta: { versionId: '1' } } },
          { fullUrl: 'urn:a', resource: { resourceType: 'Patient', meta: { versionId: '1' } } },
        ],
      },
      [false],
    ],
    ["status in ('final' | 'amended')", 'Observation', obs({}), [true]],
    ["status in ('preliminary' | 'amended')", 'Observation', obs({}), [false]],
    ["fullUrl.contains('/_history/').not()", 'Bundle.entry', { fullUrl: 'http://x/P/1/_history/2' }, [false]],
    [
      'entry.first().fullUrl.exists()',
      'Bundle',
      { resourceType: 'Bundle', entry: [{ fullUrl: 'a' }, {}] },
      [true],
    ],
    [
      'component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
      'Observation',
      obs({ code: { text: 'x' }, component: [{ code: { coding: [{ code: 'a' }] } }] }),
      [true],
    ],
    [
      'component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
      'Observation',
      obs({ code: { coding: [{ code: 'a' }] }, component: [{ code: { coding: [{ code: 'a' }] } }] }),
      'gives up',
    ],
    // is(Type) by the resource type and its bases, trace() passing through, %ucum as a string constant
    [
      'entry.first().resource.is(Composition)',
      'Bundle',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Composition' } }] },
      [true],
    ],
    [
      'entry.first().resource.is(DomainResource)',
      'Bundle',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] },
      [true],
    ],
    [
      'entry.first().resource.is(MessageHeader)',
      'Bundle',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] },
      [false],
    ],
    ["type.trace('type') = 'display'", 'Questionnaire.item', { linkId: 'a', type: 'display' }, [true]],
    ['system = %ucum', 'Quantity', { system: 'http://unitsofmeasure.org' }, [true]],
    // Codings none of which equals one of the other side: an empty intersection (one that may be equal: above)
    [
      'component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
      'Observation',
      obs({
        code: { coding: [{ system: 's', code: 'a' }] },
        component: [
          {
            code: {
              coding: [
                { code: 'a', system: 's', display: 'A' },
                { system: 's', code: 'b' },
              ],
            },
          },
        ],
      }),
      [true],
    ],
    [
      'component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
      'Observation',
      obs({
        code: { coding: [{ code: 'a', _code: { extension: [{ url: 'x', valueString: 'y' }] } }] },
        component: [{ code: { coding: [{ code: 'b' }] } }],
      }),
      'gives up',
    ],
    // matches() with a literal pattern, a partial match as the package does it
    ["name.matches('[A-Z]([A-Za-z0-9_]){0,254}')", 'PlanDefinition', { name: 'Plan_1' }, [true]],
    ["name.matches('[A-Z]([A-Za-z0-9_]){0,254}')", 'PlanDefinition', { name: 'plan 1' }, [false]],
    ["name.matches('[A-Z]([A-Za-z0-9_]){0,254}')", 'PlanDefinition', { name: 'plan A' }, [true]],
    ["name.matches('^[A-Z]')", 'PlanDefinition', {}, []],
    ["name.given.matches('[A-Z]')", 'Patient', { name: [{ given: ['A', 'B'] }] }, 'gives up'],
    // an element compared with a string literal is not equal to it (con-3's category.select($this = ...))
    [
      "category.select($this = 'problem-list-item').empty()",
      'Condition',
      { resourceType: 'Condition', category: [{ coding: [{ code: 'problem-list-item' }] }] },
      [false],
    ],
    [
      "category.where($this != 'problem-list-item').exists()",
      'Condition',
      { resourceType: 'Condition', category: [{ text: 'problem-list-item' }] },
      [true],
    ],
    [
      "category.where($this = 'ab').exists()",
      'Condition',
      { resourceType: 'Condition', category: [{ text: 'x', coding: [] }] },
      'gives up',
    ],
    // quantities of one UCUM unit compare by value; other units are converted by the package
    [
      'low.empty() or high.empty() or (low <= high)',
      'Range',
      { low: { value: 5, system: UCUM, code: 'mg' }, high: { value: 4.5, system: UCUM, code: 'mg' } },
      [false],
    ],
    [
      'low.empty() or high.empty() or (low <= high)',
      'Range',
      { low: { value: 1, system: UCUM, code: 'mg' }, high: { value: 1, system: UCUM, code: 'mg' } },
      [true],
    ],
    [
      'low.empty() or high.empty() or (low <= high)',
      'Range',
      { low: { value: 1, system: UCUM, code: 'g' }, high: { value: 2, system: UCUM, code: 'mg' } },
      'gives up',
    ],
    [
      'low.empty() or high.empty() or (low <= high)',
      'Range',
      {
        low: { value: 1, system: UCUM, code: 'mg', comparator: '<' },
        high: { value: 2, system: UCUM, code: 'mg' },
      },
      'gives up',
    ],
    [
      'low.empty() or high.empty() or (low <= high)',
      'Range',
      { low: { value: 1, unit: 'tablets' }, high: { value: 2, unit: 'tablets' } },
      'gives up',
    ],
    // extension('url') on elements, and on primitives through their `_name` object (ephr-pat-1 to ephr-pat-4)
    [
      `family.exists() or given.exists() or text.exists() or extension('${DAR}').exists()`,
      'Patient.name',
      { extension: [{ url: DAR, valueCode: 'unknown' }] },
      [true],
    ],
    [
      `family.exists() or given.exists() or text.exists() or extension('${DAR}').exists()`,
      'Patient.name',
      { use: 'official', extension: [{ url: 'other', valueCode: 'unknown' }] },
      [false],
    ],
    [
      `family.exists() or given.exists() or text.exists() or extension('${DAR}').exists()`,
      'Patient.name',
      { given: ['A'], _given: [{ extension: [{ url: DAR, valueCode: 'unknown' }] }] },
      'gives up',
    ],
    [`extension('${DAR}').exists()`, 'Patient.name', { extension: { url: DAR } }, 'gives up'],
    [`extension('${DAR}').exists()`, 'Patient.name', { extension: [null] }, 'gives up'],
    [`extension('').exists()`, 'Patient.name', { extension: [{ url: '', valueCode: 'x' }] }, [false]],
    [
      `birthDate.all(hasValue() or extension('${DAR}').exists())`,
      'Patient',
      pat({ birthDate: '1991', _birthDate: { extension: [{ url: ESTIMATED, valueBoolean: true }] } }),
      [true],
    ],
    [
      `birthDate.all(hasValue() or extension('${DAR}').exists())`,
      'Patient',
      pat({ _birthDate: { extension: [{ url: DAR, valueCode: 'unknown' }] } }),
      [true],
    ],
    [
      `birthDate.all(hasValue() or extension('${DAR}').exists())`,
      'Patient',
      pat({ _birthDate: { extension: [{ url: ESTIMATED, valueBoolean: true }] } }),
      [false],
    ],
    [`birthDate.all(hasValue() or extension('${DAR}').exists())`, 'Patient', pat({}), [true]],
    [
      `birthDate.all(extension('${ESTIMATED}').exists() implies hasValue())`,
      'Patient',
      pat({ _birthDate: { extension: [{ url: ESTIMATED, valueBoolean: true }] } }),
      [false],
    ],
    [
      `birthDate.all(extension('${ESTIMATED}').exists() implies hasValue())`,
      'Patient',
      pat({ birthDate: '1991', _birthDate: { id: 'b' } }),
      [true],
    ],
    [
      `birthDate.all(extension('${ESTIMATED}').exists() implies hasValue())`,
      'Patient',
      pat({ birthDate: '1991', _birthDate: [{ id: 'b' }] }),
      'gives up',
    ],
    [
      `occurrence.hasValue() or occurrence.extension('${DAR}').exists()`,
      'Immunization',
      {
        resourceType: 'Immunization',
        _occurrenceDateTime: { extension: [{ url: DAR, valueCode: 'unknown' }] },
      },
      [true],
    ],
    [
      `occurrence.hasValue() or occurrence.extension('${DAR}').exists()`,
      'Immunization',
      { resourceType: 'Immunization', _occurrenceDateTime: { id: 'o' } },
      [false],
    ],
    [MH_1, 'Extension', migration('2015-06-01', '2015-09-20'), [true]],
    [MH_1, 'Extension', migration('2015-09-21', '2015-09-20'), [false]],
    [MH_1, 'Extension', migration('2015', '2015-09-20'), 'gives up'],
    [MH_1, 'Extension', { url: 'x', extension: [{ url: 'arrivalDate', valueDate: '2015' }] }, [true]],
    ['birthDate.exists()', 'Patient', pat({ _birthDate: { id: 'b' } }), [true]],
    ['birthDate.count()', 'Patient', pat({ birthDate: '1991', _birthDate: { id: 'b' } }), [1]],
    ['birthDate.exists()', 'Patient', pat({ _birthDate: null }), 'gives up'],
    // what reads a primitive's value, members or result with extensions is left to the package
    ["birthDate = '1991'", 'Patient', pat({ birthDate: '1991', _birthDate: { id: 'b' } }), 'gives up'],
    [
      'birthDate.extension.exists()',
      'Patient',
      pat({ birthDate: '1991', _birthDate: { id: 'b' } }),
      'gives up',
    ],
    ['birthDate', 'Patient', pat({ birthDate: '1991', _birthDate: { id: 'b' } }), 'gives up'],
    ['active.not()', 'Patient', pat({ active: false, _active: { id: 'a' } }), 'gives up'],
    ['name.all(active)', 'Patient', pat({ active: true, _active: { id: 'a' } }), [true]],
    ['contact.all(gender)', 'Patient', pat({ contact: [{ gender: 'x', _gender: { id: 'a' } }] }), 'gives up'],
    [
      `extension.where(url = '${NATIONALITY}' or url = '${CITIZENSHIP}').extension('code').value.coding.all(system = 'urn:iso:std:iso:3166')`,
      'Patient',
      pat({ extension: [nationality('urn:iso:std:iso:3166'), { url: 'other', valueString: 'x' }] }),
      [true],
    ],
    [
      `extension.where(url = '${NATIONALITY}' or url = '${CITIZENSHIP}').extension('code').value.coding.all(system = 'urn:iso:std:iso:3166')`,
      'Patient',
      pat({
        extension: [nationality('urn:iso:std:iso:3166'), { ...nationality('urn:x'), url: CITIZENSHIP }],
      }),
      [false],
    ],
    [
      `extension.where(url = '${NATIONALITY}' or url = '${CITIZENSHIP}').extension('code').value.coding.all(system = 'urn:iso:std:iso:3166')`,
      'Patient',
      pat({
        extension: [{ url: NATIONALITY, extension: [{ url: 'period', valuePeriod: { start: '2020' } }] }],
      }),
      [true],
    ],
  ];

  it.each(cases)('%s on %s gives the expected answer', (expression, base, node, expected) => {
    const env = { resource: node, rootResource: node };
    const got = fastAnswer(expression, base, node, env);
    expect(got).toEqual(expected);
    if (got !== 'gives up') expect(got).toEqual(packageAnswer(expression, base, node, env));
  });

  it('leaves to the package what it does not handle', () => {
    expect(compileFast("name.given.startsWith('x')", 'Patient')).toBeUndefined();
    expect(compileFast('Patient.name.exists()', 'Patient')).toBeUndefined();
    expect(compileFast('(a | b).count() = 1', 'Patient')).toBeUndefined();
  });
});

const FIXTURES = path.join(__dirname, '../../fixtures/profiles');

function fixtures(): { name: string; resource: Json }[] {
  return ['valid', 'invalid'].flatMap((dir) =>
    fs
      .readdirSync(path.join(FIXTURES, dir))
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({
        name: `${dir}/${f}`,
        resource: JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, f), 'utf8')) as Json,
      })),
  );
}

describe('validation with the direct evaluator and with the fhirpath package only', () => {
  afterEach(() => {
    fastPath.enabled = true;
  });

  it('reports the same issues for every R4 example, every mutant and every fixture', () => {
    const base = createValidator();
    const withProfiles = createValidator({ profileDirs: [path.join(__dirname, '../../profiles')] });
    const examples = r4Examples().filter((e) => !(e.file in INVALID_EXAMPLES));
    // Our profiles hold the examples and fixtures; the mutants are validated against base R4.
    const inputs: { name: string; resource: Json; profiles?: boolean }[] = [
      ...examples.map((e) => ({ name: e.file, resource: e.resource, profiles: true })),
      ...fixtures().map((f) => ({ ...f, profiles: true })),
      ...examples.flatMap((e) =>
        [...mutate(e), ...mutateNested(e)].map((m) => ({
          name: `${m.file} ${m.kind}`,
          resource: m.resource,
        })),
      ),
    ];
    const run = (): string[] =>
      inputs.map(({ name, resource, profiles }) =>
        JSON.stringify([name, base.validate(resource), profiles ? withProfiles.validate(resource) : []]),
      );
    const fast = run();
    fastPath.enabled = false;
    const slow = run();
    expect(inputs.length).toBeGreaterThan(10000);
    expect(fast.some((f) => f.includes('Constraint failed: ephr-'))).toBe(true);
    const differing = fast.filter((f, i) => f !== slow[i]).slice(0, 3);
    expect(differing).toEqual([]);
  }, 300000);
});
