// Primitive formats (datatypes.html#primitive): each bad value is an error located at its element, each good one
// passes; dates must exist in the calendar, integers are 32-bit signed.
import { createValidator, type Issue } from '../../src/validation';

const validator = createValidator();
const observation = (extra: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'test' },
  ...extra,
});
const patient = (extra: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Patient',
  ...extra,
});
const immunization = (dose: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Immunization',
  status: 'completed',
  vaccineCode: { text: 'MMR' },
  patient: { reference: 'Patient/1' },
  occurrenceDateTime: '2024-01-10',
  protocolApplied: [dose],
});
const errors = (r: unknown): Issue[] => validator.validate(r).filter((i) => i.severity === 'error');
const located = (r: unknown): string[] => errors(r).map((i) => `${i.code} ${i.expression?.join() ?? ''}`);

type Case = [string, Record<string, unknown>, string];

const invalid: Case[] = [
  // The definitions' regexes are Java's: \s there is ASCII white space, vertical tab and form feed included.
  ['string: a vertical tab', patient({ name: [{ family: 'Ab\u000bc' }] }), 'value Patient.name[0].family'],
  ['code: two form feeds inside', patient({ language: 'en\f\fGB' }), 'value Patient.language'],
  [
    'uri: a tab inside',
    patient({ identifier: [{ system: 'urn:x\ty' }] }),
    'value Patient.identifier[0].system',
  ],
  ['date: 31 February', patient({ birthDate: '2023-02-31' }), 'value Patient.birthDate'],
  ['date: 29 February of a common year', patient({ birthDate: '2023-02-29' }), 'value Patient.birthDate'],
  [
    'date: 29 February 1900 (not a leap year)',
    patient({ birthDate: '1900-02-29' }),
    'value Patient.birthDate',
  ],
  ['date: month 13', patient({ birthDate: '2023-13-01' }), 'value Patient.birthDate'],
  ['date: 31 April', patient({ birthDate: '2023-04-31' }), 'value Patient.birthDate'],
  ['date: a time of day', patient({ birthDate: '2023-04-01T10:00:00Z' }), 'value Patient.birthDate'],
  [
    'dateTime: 31 June',
    observation({ effectiveDateTime: '2023-06-31T10:00:00Z' }),
    'value Observation.effective.ofType(dateTime)',
  ],
  [
    'dateTime: time without a zone',
    observation({ effectiveDateTime: '2023-06-01T10:00:00' }),
    'value Observation.effective.ofType(dateTime)',
  ],
  ['instant: 30 February', observation({ issued: '2024-02-30T10:00:00Z' }), 'value Observation.issued'],
  ['instant: no time', observation({ issued: '2024-02-01' }), 'value Observation.issued'],
  ['time: hour 25', observation({ valueTime: '25:00:00' }), 'value Observation.value.ofType(time)'],
  ['time: no seconds', observation({ valueTime: '10:30' }), 'value Observation.value.ofType(time)'],
  ['id: underscore', patient({ id: 'a_b' }), 'value Patient.id'],
  ['id: 65 characters', patient({ id: 'a'.repeat(65) }), 'value Patient.id'],
  [
    'uri: a space',
    patient({ identifier: [{ system: 'urn:has space', value: '1' }] }),
    'value Patient.identifier[0].system',
  ],
  [
    'decimal: a JSON string',
    observation({ valueQuantity: { value: '1.5' } }),
    'structure Observation.value.ofType(Quantity).value',
  ],
  ['integer: 2^31', observation({ valueInteger: 2147483648 }), 'value Observation.value.ofType(integer)'],
  [
    'integer: -2^31 - 1',
    observation({ valueInteger: -2147483649 }),
    'value Observation.value.ofType(integer)',
  ],
  ['integer: a fraction', observation({ valueInteger: 1.5 }), 'value Observation.value.ofType(integer)'],
  [
    'integer: a JSON string',
    observation({ valueInteger: '1' }),
    'structure Observation.value.ofType(integer)',
  ],
  [
    'positiveInt: 0',
    immunization({ doseNumberPositiveInt: 0 }),
    'value Immunization.protocolApplied[0].doseNumber.ofType(positiveInt)',
  ],
  [
    'positiveInt: 2^31',
    immunization({ doseNumberPositiveInt: 2147483648 }),
    'value Immunization.protocolApplied[0].doseNumber.ofType(positiveInt)',
  ],
  ['unsignedInt: -1', patient({ photo: [{ size: -1 }] }), 'value Patient.photo[0].size'],
  ['unsignedInt: 2^31', patient({ photo: [{ size: 2147483648 }] }), 'value Patient.photo[0].size'],
  [
    'base64Binary: length not a multiple of 4',
    patient({ photo: [{ data: 'abc' }] }),
    'value Patient.photo[0].data',
  ],
  ['base64Binary: not the alphabet', patient({ photo: [{ data: 'ab*d' }] }), 'value Patient.photo[0].data'],
  [
    'base64Binary: data after the padding',
    patient({ photo: [{ data: 'YQ==YWJj' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: three pad characters',
    patient({ photo: [{ data: 'Y===' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: a long attachment with one bad character',
    patient({ photo: [{ data: 'YWJj'.repeat(500) + '-WJj' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: a long attachment with a base64url character',
    patient({ photo: [{ data: 'YWJj'.repeat(500) + 'YW_j' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: a long attachment with a pad character inside',
    patient({ photo: [{ data: 'YWJj'.repeat(500) + 'YQ==' + 'YWJj'.repeat(10) }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: a long attachment with three pad characters',
    patient({ photo: [{ data: 'YWJj'.repeat(500) + 'Y===' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: a long attachment with a character outside Latin-1',
    patient({ photo: [{ data: 'YWJj'.repeat(500) + 'YW\u0100j' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: white space does not count towards the groups of four',
    patient({ photo: [{ data: 'YWJj \nYWJ' }] }),
    'value Patient.photo[0].data',
  ],
  [
    'base64Binary: a third pad character after white space',
    patient({ photo: [{ data: 'YQ= = =' }] }),
    'value Patient.photo[0].data',
  ],
];

const valid: [string, Record<string, unknown>][] = [
  // Unicode spaces other than Java's white space are ordinary characters to the definitions' regexes.
  ['string: a no-break space', patient({ name: [{ family: 'Ab\u00a0c' }] })],
  ['code: a no-break space inside', patient({ language: 'en\u00a0GB' })],
  ['uri: an ideographic space inside', patient({ identifier: [{ system: 'urn:x\u3000y' }] })],
  ['date: 29 February of a leap year', patient({ birthDate: '2024-02-29' })],
  ['date: 29 February 2000', patient({ birthDate: '2000-02-29' })],
  ['date: year and month only', patient({ birthDate: '2023-02' })],
  ['dateTime: 30 April with a zone', observation({ effectiveDateTime: '2023-04-30T23:59:59+02:00' })],
  ['instant: 31 December', observation({ issued: '2023-12-31T23:59:59.999Z' })],
  ['time', observation({ valueTime: '23:59:59' })],
  ['id: 64 characters', patient({ id: 'A-1.'.repeat(16) })],
  ['uri', patient({ identifier: [{ system: 'urn:oid:1.2.3', value: '1' }] })],
  ['decimal', observation({ valueQuantity: { value: 1.5 } })],
  [
    'integer: the 32-bit bounds',
    observation({
      component: [
        { code: { text: 'a' }, valueInteger: 2147483647 },
        { code: { text: 'b' }, valueInteger: -2147483648 },
      ],
    }),
  ],
  ['positiveInt: 1', immunization({ doseNumberPositiveInt: 1 })],
  ['unsignedInt: 0', patient({ photo: [{ size: 0 }] })],
  ['base64Binary', patient({ photo: [{ contentType: 'image/png', data: 'YWJj' }] })],
  ['base64Binary: padded', patient({ photo: [{ contentType: 'image/png', data: 'YQ==' }] })],
  [
    'base64Binary: a long attachment in lines',
    patient({
      photo: [{ contentType: 'image/png', data: ('YWJj'.repeat(19) + '\r\n').repeat(30) + 'YQ==' }],
    }),
  ],
  [
    'base64Binary: a long attachment padded',
    patient({ photo: [{ contentType: 'image/png', data: 'YWJj'.repeat(500) + 'YQ==' }] }),
  ],
  [
    'base64Binary: white space between and after the pad characters',
    patient({ photo: [{ contentType: 'image/png', data: 'YWJj\u00a0YQ= =\n' }] }),
  ],
];

describe('primitive formats', () => {
  it.each(invalid)('%s is an error at its element', (_name, resource, expected) => {
    expect(located(resource)).toContain(expected);
  });
  it.each(valid)('%s passes', (_name, resource) => {
    expect(located(resource)).toEqual([]);
  });
  it('names the impossible day in the diagnostics', () => {
    expect(errors(patient({ birthDate: '2023-02-31' }))[0]?.diagnostics).toMatch(/no such day/);
  });
});
