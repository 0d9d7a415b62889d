// The records of an upload or a file (the $import-ephr body, the CLI's files), kept apart from the import itself so
// that `ephr-fhir map` loads the mapping alone.
import { badRequest } from '../fhir/outcome';
import { parseCsv } from './csv';

/** Parses a request body into records: a JSON object, a JSON array of them, or CSV. */
export function recordsFrom(text: string, csv: boolean): unknown[] {
  if (csv) return parseCsv(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRequest(`The body is not well-formed JSON: ${(err as Error).message}`);
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}
