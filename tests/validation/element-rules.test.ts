// Rules of R4 that every element follows (issue 18, points 14-17): ele-1 is about elements, not resources; strings
// stay within 1 MB; the outcome lists errors first and locates each issue at its element.
import { createValidator } from '../../src/validation';

const validator = createValidator();
const errorsOf = (r: unknown): string[] =>
  validator
    .validate(r)
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join() ?? ''}: ${i.diagnostics ?? ''}`);

describe('ele-1 (every element has a value or children)', () => {
  it.each(['Patient', 'Parameters', 'Basic', 'Bundle'])(
    'does not apply to a resource: {"resourceType":"%s"} has no error of its own',
    (type) => {
      const errors = errorsOf({ resourceType: type });
      expect(errors.filter((e) => /ele-1|Empty/i.test(e))).toEqual([]);
    },
  );

  it('accepts a bare resource inside a Parameters part', () => {
    expect(
      errorsOf({
        resourceType: 'Parameters',
        parameter: [{ name: 'resource', resource: { resourceType: 'Patient' } }],
      }),
    ).toEqual([]);
  });

  it.each([
    [{ resourceType: 'Patient', name: [{}] }, 'Patient.name[0]'],
    [{ resourceType: 'Patient', maritalStatus: {} }, 'Patient.maritalStatus'],
    [{ resourceType: 'Parameters', parameter: [{}] }, 'Parameters.parameter[0]'],
  ])('still refuses an empty element: %j', (resource, at) => {
    expect(errorsOf(resource)).toContainEqual(
      expect.stringMatching(new RegExp(`^${at.replace(/[.[\]]/g, '\\$&')}: .*ele-1`)),
    );
  });
});

describe('strings SHALL NOT exceed 1 MB (datatypes.html#string)', () => {
  const MB = 1024 * 1024;
  const withText = (text: string): Record<string, unknown> => ({ resourceType: 'Patient', name: [{ text }] });

  it('accepts a string of exactly 1 MB', () => {
    expect(errorsOf(withText('x'.repeat(MB)))).toEqual([]);
  });

  it('refuses one byte more, at the element', () => {
    expect(errorsOf(withText('x'.repeat(MB + 1)))).toEqual([
      `Patient.name[0].text: a string SHALL NOT exceed 1 MB (${MB} bytes in UTF-8); this one has ${MB + 1} bytes`,
    ]);
  });

  it('counts UTF-8 bytes, not characters: 400,000 euro signs are 1,200,000 bytes', () => {
    expect(errorsOf(withText('€'.repeat(400_000)))).toEqual([
      `Patient.name[0].text: a string SHALL NOT exceed 1 MB (${MB} bytes in UTF-8); this one has 1200000 bytes`,
    ]);
  });

  it('applies to the specializations of string (markdown, code), not to base64Binary', () => {
    const big = 'y'.repeat(MB + 1);
    expect(
      errorsOf({
        resourceType: 'Patient',
        photo: [{ contentType: 'image/png', data: 'QUFB'.repeat(MB / 2) }],
      }),
    ).toEqual([]);
    const note = errorsOf({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      note: [{ text: big }],
    });
    expect(note).toEqual([
      expect.stringMatching(/^Observation\.note\[0\]\.text: a markdown SHALL NOT exceed 1 MB/),
    ]);
    const code = errorsOf({ resourceType: 'Patient', language: big });
    expect(code).toContainEqual(expect.stringMatching(/^Patient\.language: a code SHALL NOT exceed 1 MB/));
  });
});

describe('a choice element with two types', () => {
  it('is located at the choice element, each type present named, not at the whole resource', () => {
    const errors = validator
      .validate({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        valueString: 'a',
        valueInteger: 1,
      })
      .filter((i) => i.severity === 'error');
    expect(errors).toEqual([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: 'Only one of valueString, valueInteger is allowed (value[x] is a single choice)',
        expression: ['Observation.value.ofType(string)', 'Observation.value.ofType(integer)'],
      },
    ]);
  });
});

describe('codes of HL7 terminology released after R4 (terminology.hl7.org)', () => {
  const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
  const bySeverity = (r: unknown, severity: string): string[] =>
    validator
      .validate(r)
      .filter((i) => i.severity === severity)
      .map((i) => `${i.expression?.join() ?? ''}: ${i.diagnostics ?? ''}`);
  const nationalId = {
    resourceType: 'Patient',
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'NNFIN' }] }, value: '010190-123A' }],
  };

  it('a code unknown to the held copy, in an extensible binding, is a warning, not an error (v2-0203#NNFIN)', () => {
    expect(bySeverity(nationalId, 'error')).toEqual([]);
    const warnings = bySeverity(nationalId, 'warning');
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^Patient\.identifier\[0\]\.type\.coding\[0\]\.code: Code 'NNFIN' is not in .*v2-0203.*later/,
      ),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(/^Patient\.identifier\[0\]\.type: .*extensible value set/),
    );
  });

  it('a code unknown in a required binding stays an error', () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'nonesuch' },
        ],
      },
      patient: { reference: 'Patient/example' },
    };
    const errors = bySeverity(allergy, 'error');
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^AllergyIntolerance\.clinicalStatus\.coding\[0\]\.code: Code 'nonesuch' is not in/,
      ),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^AllergyIntolerance\.clinicalStatus: .*required value set/),
    );
  });

  it('a code unknown to a core R4 code system (hl7.org/fhir) stays an error whatever the binding', () => {
    const patient = {
      resourceType: 'Patient',
      maritalStatus: { coding: [{ system: 'http://hl7.org/fhir/administrative-gender', code: 'nonesuch' }] },
    };
    expect(bySeverity(patient, 'error')).toEqual([
      "Patient.maritalStatus.coding[0].code: Code 'nonesuch' is not in the code system http://hl7.org/fhir/administrative-gender",
    ]);
  });
});
