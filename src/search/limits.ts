// The cost bounds of one search request (issue 20): parameters, OR values, value length. Over a bound the search is
// refused before any work, with a 400 `too-costly` naming the bound and its setting.
import { OperationOutcomeError } from '../fhir/outcome';
import type { ParseOptions } from './request';

/** Defaults of SEARCH_MAX_PARAMETERS, SEARCH_MAX_VALUES and SEARCH_MAX_VALUE_LENGTH (config.ts). */
export const MAX_PARAMETERS = 64;
export const MAX_VALUES = 100;
export const MAX_VALUE_LENGTH = 1024;

export function tooCostly(diagnostics: string, expression?: string): OperationOutcomeError {
  return new OperationOutcomeError(400, [
    {
      severity: 'error',
      code: 'too-costly',
      diagnostics,
      ...(expression !== undefined && { expression: [expression] }),
    },
  ]);
}

export function checkParameterCount(count: number, opts: ParseOptions): void {
  const max = opts.maxParameters ?? MAX_PARAMETERS;
  if (count > max)
    throw tooCostly(`The search has ${count} parameters; at most ${max} are allowed (SEARCH_MAX_PARAMETERS)`);
}

/** The OR values of parameter `name`: at most `maxValues`, each at most `maxValueLength` characters. */
export function checkValues(name: string, values: string[], opts: ParseOptions): string[] {
  const maxValues = opts.maxValues ?? MAX_VALUES;
  if (values.length > maxValues)
    throw tooCostly(
      `${name}: ${values.length} values; at most ${maxValues} are allowed in one parameter (SEARCH_MAX_VALUES)`,
      name,
    );
  const maxLength = opts.maxValueLength ?? MAX_VALUE_LENGTH;
  const long = values.find((v) => v.length > maxLength);
  if (long !== undefined)
    throw tooCostly(
      `${name}: a value of ${long.length} characters; at most ${maxLength} are allowed (SEARCH_MAX_VALUE_LENGTH)`,
      name,
    );
  return values;
}
