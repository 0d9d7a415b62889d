// Checks one e-PHR record against mappings/ephr-record.schema.json (ajv) plus the rules a schema cannot say;
// every issue carries the JSON path of the offending field in `expression`.
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isRealDay } from '../fhir/instant';
import type { Issue } from '../fhir/outcome';
import { mappingsDir } from './rules';

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  addFormats(ajv);
  // A date whose day does not exist in its month and year (1994-02-30, 2024-06-31), which the pattern lets through.
  ajv.addFormat('calendar-day', { type: 'string', validate: isRealDay });
  const schema = JSON.parse(
    fs.readFileSync(path.join(mappingsDir, 'ephr-record.schema.json'), 'utf8'),
  ) as object;
  validator = ajv.compile(schema);
  return validator;
}

/** `/episodes/0/date` -> `episodes[0].date`. */
function jsonPointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

function schemaIssue(e: ErrorObject): Issue {
  let where = jsonPointerToPath(e.instancePath);
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty?: string }).missingProperty ?? '';
    where = where === '' ? missing : `${where}.${missing}`;
  }
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  const noDay = (e.params as { format?: string }).format === 'calendar-day';
  const detail = noDay
    ? `'${String(e.data).slice(0, 40)}' is not a calendar date (no such day)`
    : allowed
      ? `${e.message ?? ''}: ${allowed.join(', ')}`
      : (e.message ?? 'invalid');
  return {
    severity: 'error',
    code: e.keyword === 'required' ? 'required' : 'structure',
    diagnostics: detail,
    expression: [where || '$'],
  };
}

/** Item ids must be unique in their list, or two items would share one FHIR identifier. */
function duplicateIds(record: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const check = (list: unknown, where: string, key: string): void => {
    if (!Array.isArray(list)) return;
    const seen = new Set<string>();
    list.forEach((e, i) => {
      const id = (e as Record<string, unknown> | null)?.[key];
      if (typeof id !== 'string') return;
      if (seen.has(id)) {
        issues.push({
          severity: 'error',
          code: 'duplicate',
          diagnostics: `duplicate ${key} '${id}'`,
          expression: [`${where}[${i}].${key}`],
        });
      }
      seen.add(id);
    });
  };
  check(record.episodes, 'episodes', 'episodeId');
  (Array.isArray(record.episodes) ? record.episodes : []).forEach((ep, i) => {
    const e = ep as Record<string, unknown>;
    for (const list of ['examination', 'labs', 'vaccinations', 'diagnoses', 'treatment', 'referrals']) {
      check(e?.[list], `episodes[${i}].${list}`, 'id');
    }
  });
  return issues;
}

/** GBV answers under an enquiry that was declined or not asked are contradictory: refuse rather than guess. */
function gbvConsistency(record: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  (Array.isArray(record.episodes) ? record.episodes : []).forEach((ep, i) => {
    const gbv = (ep as Record<string, unknown> | null)?.gbv as Record<string, unknown> | undefined;
    if (!gbv) return;
    if (gbv.enquiry === 'completed') {
      const pre = (gbv.preconditions ?? {}) as Record<string, unknown>;
      const met =
        pre.alone === true &&
        pre.privateSpace === true &&
        pre.agreesToBeAsked === true &&
        typeof pre.interpretation === 'string' &&
        pre.interpretation !== 'family-member';
      if (!met) {
        // The GBV Questionnaire (ephr-gbv-1) admits answers only behind met preconditions.
        issues.push({
          severity: 'error',
          code: 'business-rule',
          diagnostics:
            'GBV enquiry completed, but the preconditions (alone, private space, non-family interpretation, consent to be asked) are not all recorded as met',
          expression: [`episodes[${i}].gbv.preconditions`],
        });
      }
      return;
    }
    for (const part of ['hark', 'hits', 'incident', 'response']) {
      if (gbv[part] !== undefined) {
        issues.push({
          severity: 'error',
          code: 'business-rule',
          diagnostics: `GBV enquiry is '${String(gbv.enquiry)}' but ${part} answers are recorded`,
          expression: [`episodes[${i}].gbv.${part}`],
        });
      }
    }
  });
  return issues;
}

export function validateRecord(record: unknown): Issue[] {
  const validate = compiled();
  if (!validate(record)) return (validate.errors ?? []).map(schemaIssue);
  const r = record as Record<string, unknown>;
  return [...duplicateIds(r), ...gbvConsistency(r)];
}
