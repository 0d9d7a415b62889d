// POST [base]/$import-ephr: e-PHR records (JSON record, JSON array, or CSV) imported by the use case the CLI runs
// too (../ephr-import.ts); the answer is a Parameters with one report per record.
import type { Bundle, Parameters, ParametersParameter } from 'fhir/r4';
import { badRequest, fail, operationOutcome, OperationOutcomeError, type Issue } from '../../fhir/outcome';
import { recordsFrom } from '../../mapping';
import { importRecords, type RecordReport, type RecordStatus } from '../ephr-import';
import type { Handler } from '../types';

export function reportParameters(reports: RecordReport[]): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: reports.map((r): ParametersParameter => {
      const part: ParametersParameter[] = [
        { name: 'recordId', valueString: r.recordId },
        { name: 'status', valueCode: r.status },
        ...r.written.map((w) => ({ name: 'written', valueReference: { reference: w } })),
        ...r.unmapped.map((u) => ({ name: 'unmapped', valueString: `${u.path}: ${u.reason}` })),
      ];
      if (r.issues.length > 0) part.push({ name: 'outcome', resource: operationOutcome(r.issues) });
      if (r.bundle) part.push({ name: 'bundle', resource: r.bundle });
      return { name: 'record', part };
    }),
  };
}

/** The reverse of {@link reportParameters}: what a client (the CLI with --server) reads back. */
export function reportsFromParameters(p: Parameters): RecordReport[] {
  return (p.parameter ?? []).map((record) => {
    const parts = record.part ?? [];
    const all = (name: string): ParametersParameter[] => parts.filter((x) => x.name === name);
    const outcome = all('outcome')[0]?.resource as { issue?: Issue[] } | undefined;
    const report: RecordReport = {
      recordId: all('recordId')[0]?.valueString ?? '?',
      status: (all('status')[0]?.valueCode ?? 'failed') as RecordStatus,
      written: all('written').map((w) => w.valueReference?.reference ?? ''),
      unmapped: all('unmapped').map((u) => {
        const text = u.valueString ?? '';
        const at = text.indexOf(': ');
        return at < 0 ? { path: text, reason: '' } : { path: text.slice(0, at), reason: text.slice(at + 2) };
      }),
      issues: outcome?.issue ?? [],
    };
    const bundle = all('bundle')[0]?.resource;
    if (bundle) report.bundle = bundle as Bundle;
    return report;
  });
}

export const importEphr: Handler = async (ctx, req) => {
  if (req.method !== 'POST') throw fail(405, 'not-supported', '$import-ephr is a POST operation');
  if (!req.body) throw badRequest('$import-ephr needs a body: an e-PHR record, an array of records, or CSV');
  // JSON or CSV alone: a form body is what any web page can make a signed-in browser send (issue 20 point 2).
  if (req.body.kind !== 'resource' && req.body.kind !== 'csv')
    throw fail(
      415,
      'not-supported',
      '$import-ephr accepts application/json (or application/fhir+json) and text/csv bodies only',
    );
  const q = new Map(req.query);
  const dryRun = q.get('dryRun') === 'true';
  const clinic = q.get('clinic') ?? ctx.config.importClinic;
  const format = q.get('format');
  if (format !== undefined && req.body.kind === 'csv')
    throw badRequest('format applies to JSON exports; a CSV export is read by mappings/csv-columns.json');
  const records = recordsFrom(req.body.text, req.body.kind === 'csv');
  if (records.length === 0) throw badRequest('No record in the body');
  const reports = await importRecords(ctx, records, {
    clinic,
    dryRun,
    ...(format !== undefined && { format }),
  });
  const failed = reports.filter((r) => r.status === 'failed').length;
  // All failed: the request as a whole did nothing, so it is a 4xx; otherwise 200 with the per-record report.
  if (failed === reports.length && !dryRun) {
    const issues = reports.flatMap((r) =>
      r.issues.map((i) => ({ ...i, diagnostics: `record ${r.recordId}: ${i.diagnostics}` })),
    );
    throw new OperationOutcomeError(422, issues);
  }
  return { status: 200, body: reportParameters(reports) };
};
