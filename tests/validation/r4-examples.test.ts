// Every R4 example instance passes base validation, except the documented ones that really are invalid.
import { createValidator } from '../../src/validation';
import { INVALID_EXAMPLES, r4Examples } from './r4-examples';

describe('R4 examples pass base validation', () => {
  const validator = createValidator();
  const examples = r4Examples();

  it('reads the example corpus', () => {
    expect(examples.length).toBeGreaterThan(650);
  });

  it.each(examples.map((e) => [e.file, e] as const))('%s', (file, e) => {
    const errors = validator
      .validate(e.resource)
      .filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (file in INVALID_EXAMPLES) expect(errors.length).toBeGreaterThan(0);
    else expect(errors).toEqual([]);
  });
});
