// The records of an upload or a file (the $import-ephr body, the CLI's files), kept apart from the import itself so
// that `ephr-fhir map` loads the mapping alone.
import { badRequest, OperationOutcomeError } from '../fhir/outcome';
import { parseJsonRefusingPrototypeKeys } from '../fhir/safe-keys';
import { parseCsv } from './csv';

/** Parses a request body into records: a JSON object, a JSON array of them, or CSV. */
export function recordsFrom(text: string, csv: boolean): unknown[] {
  if (csv) return parseCsv(text);
  let parsed: unknown;
  try {
    parsed = parseJsonRefusingPrototypeKeys(text, 'the e-PHR record');
  } catch (err) {
    if (err instanceof OperationOutcomeError) throw err;
    throw badRequest(`The body is not well-formed JSON: ${(err as Error).message}`);
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}
