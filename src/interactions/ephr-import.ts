// The e-PHR import, one use case that $import-ephr (./operations/import-ephr.ts) and the CLI (src/cli/import.ts) both
// run: each record is checked, mapped to a transaction Bundle by the rules in mappings/ (src/mapping) and stored as
// one transaction, and reported on.
import type { Bundle } from 'fhir/r4';
import { OperationOutcomeError, type Issue } from '../fhir/outcome';
import { mapRecord, validateRecord } from '../mapping';
import { exportFormat, fromExport } from '../mapping/export-format';
import { executeTransaction } from './transaction';
import type { ServerContext } from './types';

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

/** Parses a request body or a file into records: a JSON object, a JSON array of them, or CSV. */

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
