// OperationOutcome and the one error type of the server (http.html#ops, operationoutcome.html).
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

export type IssueSeverity = OperationOutcomeIssue['severity'];
export type IssueType = OperationOutcomeIssue['code'];

export interface Issue {
  severity: IssueSeverity;
  code: IssueType;
  diagnostics: string;
  /** FHIRPath locations, such as `Patient.identifier[0].system`. */
  expression?: string[];
}

/** A FHIR error: an HTTP status with the issues that explain it. Thrown anywhere, answered in one place. */
export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly issues: Issue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(issues.map((i) => i.diagnostics).join('; '));
    this.name = 'OperationOutcomeError';
  }
}

export function issue(
  code: IssueType,
  diagnostics: string,
  expression?: string,
  severity: IssueSeverity = 'error',
): Issue {
  return expression === undefined
    ? { severity, code, diagnostics }
    : { severity, code, diagnostics, expression: [expression] };
}

const SEVERITY_ORDER: Record<IssueSeverity, number> = { fatal: 0, error: 1, warning: 2, information: 3 };

/**
 * The outcome of issues: the most severe first (fatal, error, warning, information; stable within a severity), each
 * text also in `details.text`, where most clients look for it (diagnostics is for the technically minded).
 */
export function operationOutcome(issues: Issue[]): OperationOutcome {
  const ordered = [...issues].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    resourceType: 'OperationOutcome',
    issue: ordered.map(({ severity, code, diagnostics, expression }) =>
      expression === undefined
        ? { severity, code, details: { text: diagnostics }, diagnostics }
        : { severity, code, details: { text: diagnostics }, diagnostics, expression },
    ),
  };
}

export function fail(
  status: number,
  code: IssueType,
  diagnostics: string,
  expression?: string,
): OperationOutcomeError {
  return new OperationOutcomeError(status, [issue(code, diagnostics, expression)]);
}

export const badRequest = (diagnostics: string, expression?: string): OperationOutcomeError =>
  fail(400, 'invalid', diagnostics, expression);
export const notFound = (diagnostics: string): OperationOutcomeError => fail(404, 'not-found', diagnostics);
export const gone = (diagnostics: string): OperationOutcomeError => fail(410, 'deleted', diagnostics);
export const preconditionFailed = (diagnostics: string): OperationOutcomeError =>
  fail(412, 'conflict', diagnostics);
export const notSupported = (status: number, diagnostics: string): OperationOutcomeError =>
  fail(status, 'not-supported', diagnostics);

/** An outcome that says all went well: `informational` as the spec's "All OK" pattern. */
export function allOk(diagnostics: string): OperationOutcome {
  return operationOutcome([{ severity: 'information', code: 'informational', diagnostics }]);
}
