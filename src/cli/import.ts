// `ephr-fhir import <file|dir>`: each record through $import-ephr of a running server (--server), or through the same
// e-PHR import the operation runs (src/interactions/ephr-import.ts) on the configured database (MONGODB_URI, else
// the embedded one in DATA_DIR).
import fs from 'node:fs';
import type { Parameters } from 'fhir/r4';
import pino from 'pino';
import { loggerOptions } from '../logger';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config';
import { importRecords, type RecordReport } from '../interactions/ephr-import';
import { reportsFromParameters } from '../interactions/operations/import-ephr';
import { exportFormat } from '../mapping/export-format';
import { openServer, type RunningServer } from '../server';
import type { Output } from './map';
import { readRecords } from './records';

export interface ImportCommandOptions {
  server?: string;
  clinic?: string;
  report?: string;
  dryRun?: boolean;
  /** The records' export layout (mappings/formats/<name>.json). */
  format?: string;
  /** Progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

type Importer = (record: unknown) => Promise<RecordReport>;

/** Posts one record to `<server>/$import-ephr`; a 422 (the record failed) is a report, any other failure throws. */
function viaServer(base: string, opts: ImportCommandOptions): Importer {
  const url = new URL(`${base.replace(/\/+$/, '')}/$import-ephr`);
  if (opts.clinic) url.searchParams.set('clinic', opts.clinic);
  if (opts.dryRun) url.searchParams.set('dryRun', 'true');
  if (opts.format) url.searchParams.set('format', opts.format);
  return async (record) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(record),
    });
    const body = (await res.json().catch(() => undefined)) as
      (Parameters & { issue?: RecordReport['issues'] }) | undefined;
    if (res.status === 200 && body?.resourceType === 'Parameters') return reportsFromParameters(body)[0]!;
    if (res.status === 422 && body?.issue) {
      const id = (record as { ephrId?: unknown } | null)?.ephrId;
      return {
        recordId: typeof id === 'string' ? id : '?',
        status: 'failed',
        written: [],
        unmapped: [],
        issues: body.issue,
      };
    }
    const why = body?.issue?.map((i) => i.diagnostics).join('; ') ?? res.statusText;
    throw new Error(`${url.origin}: HTTP ${res.status}: ${why}`);
  };
}

async function embedded(opts: ImportCommandOptions): Promise<{ run: Importer; close: () => Promise<void> }> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const running: RunningServer = await openServer(config, pino(loggerOptions(config.logLevel)), {
    listen: false,
  });
  const clinic = opts.clinic ?? config.importClinic;
  return {
    run: async (record) =>
      (
        await importRecords(running.ctx, [record], {
          clinic,
          dryRun: opts.dryRun ?? false,
          ...(opts.format !== undefined && { format: opts.format }),
        })
      )[0]!,
    close: () => running.close(),
  };
}

export function summary(reports: RecordReport[]): string {
  const by = new Map<string, number>();
  for (const r of reports) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const parts = ['created', 'updated', 'unchanged', 'mapped', 'failed']
    .filter((s) => by.has(s))
    .map((s) => `${by.get(s)} ${s}`);
  return `${reports.length} record(s): ${parts.join(', ') || 'none'}`;
}

export async function importCommand(target: string, opts: ImportCommandOptions, io: Output): Promise<number> {
  if (opts.format !== undefined) exportFormat(opts.format); // an unknown format stops before anything is read
  const sources = readRecords(target);
  const records = sources.flatMap((s) => s.records);
  const sink = opts.server
    ? { run: viaServer(opts.server, opts), close: () => Promise.resolve() }
    : await embedded(opts);
  const bar =
    (opts.progress ?? process.stderr.isTTY)
      ? new SingleBar(
          { stream: process.stderr, format: ' {bar} {value}/{total} records | {status}' },
          Presets.shades_classic,
        )
      : undefined;
  bar?.start(records.length, 0, { status: '' });
  const reports: RecordReport[] = [];
  try {
    for (const record of records) {
      const report = await sink.run(record);
      reports.push(report);
      bar?.increment({ status: `${report.recordId} ${report.status}` });
    }
  } finally {
    bar?.stop();
    await sink.close();
  }
  for (const r of reports.filter((x) => x.status === 'failed')) {
    for (const i of r.issues.filter((x) => x.severity === 'error' || x.severity === 'fatal'))
      io.err(`${r.recordId}: ${i.expression?.join() ?? ''}: ${i.diagnostics}\n`);
  }
  if (opts.report) {
    const written = reports.map(({ bundle: _bundle, ...rest }) => rest);
    fs.writeFileSync(
      opts.report,
      `${JSON.stringify({ summary: summary(reports), records: written }, null, 2)}\n`,
    );
  }
  io.out(`${summary(reports)}\n`);
  return reports.some((r) => r.status === 'failed') ? 1 : 0;
}
