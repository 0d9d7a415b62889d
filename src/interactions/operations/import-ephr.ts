// POST [base]/$import-ephr: e-PHR records (JSON record, JSON array, or CSV) mapped by the rules in mappings/ and
// stored one transaction per record. The CLI calls importRecords too (src/cli), so both behave the same.
import type { Bundle, Parameters, ParametersParameter } from 'fhir/r4';
import { badRequest, fail, operationOutcome, OperationOutcomeError, type Issue } from '../../fhir/outcome';
import { mapRecord, parseCsv, validateRecord } from '../../mapping';
import { exportFormat, fromExport } from '../../mapping/export-format';
import { executeTransaction } from '../transaction';
import type { Handler, ServerContext } from '../types';

export type RecordStatus = 'created' | 'updated' | 'unchanged' | 'failed' | 'mapped';

export interface RecordReport {
  recordId: string;
  status: RecordStatus;
  /** `Type/id/_history/n` of each resource written or found unchanged. */
  written: string[];
  unmapped: Array<{ path: string; reason: string }>;
  issues: Issue[];
  bundle?: Bundle;
}

export interface ImportOptions {
  clinic: string;
  dryRun: boolean;
  /** The export layout of the records (mappings/formats/<name>.json); absent: the e-PHR record itself. */
  format?: string;
}

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

export async function importRecords(
  ctx: ServerContext,
  records: unknown[],
  opts: ImportOptions,
): Promise<RecordReport[]> {
  const format = opts.format === undefined ? undefined : exportFormat(opts.format);
  const out: RecordReport[] = [];
  for (const record of records)
    out.push(await importOne(ctx, format ? fromExport(record, format) : record, opts));
  return out;
}

async function importOne(ctx: ServerContext, record: unknown, opts: ImportOptions): Promise<RecordReport> {
  const r = (record ?? {}) as { recordId?: unknown; ephrId?: unknown };
  const id = r.recordId ?? r.ephrId;
  const recordId = typeof id === 'string' || typeof id === 'number' ? String(id) : '?';
  const invalid = validateRecord(record).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (invalid.length > 0) return { recordId, status: 'failed', written: [], unmapped: [], issues: invalid };
  const { bundle, report } = mapRecord(record, {
    clinic: { name: opts.clinic },
    now: new Date().toISOString(),
  });
  const base: RecordReport = {
    recordId: report.recordId || recordId,
    status: 'mapped',
    written: [],
    unmapped: report.unmapped.map((u) => ({ path: u.path, reason: u.reason })),
    issues: report.issues,
  };
  if (report.issues.some((i) => i.severity === 'error')) return { ...base, status: 'failed' };
  if (opts.dryRun) return { ...base, bundle };
  try {
    const result = await executeTransaction(ctx, { baseUrl: ctx.config.baseUrl }, bundle.entry ?? []);
    const outcomes = result.writes.flatMap((w) => (w.outcome ? [w.outcome] : []));
    // The record is new when its Patient is; an item added to a known record is an update of that record.
    const status: RecordStatus = outcomes.some((o) => o.created && o.stored.type === 'Patient')
      ? 'created'
      : outcomes.some((o) => o.created || o.changed)
        ? 'updated'
        : 'unchanged';
    const written = outcomes.map((o) => `${o.stored.type}/${o.stored.id}/_history/${o.stored.versionId}`);
    return { ...base, status, written };
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return { ...base, status: 'failed', issues: [...base.issues, ...err.issues] };
  }
}

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
