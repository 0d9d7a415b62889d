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
