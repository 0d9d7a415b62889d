// `ephr-fhir map <file>`: prints the transaction Bundle of each record (the same mapping the import uses), and the
// mapping report on stderr.
import { mapRecord, validateRecord } from '../mapping';
import { exportFormat, fromExport } from '../mapping/export-format';
import { readRecords } from './records';

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

export function mapCommand(file: string, opts: { clinic: string; format?: string }, io: Output): number {
  const format = opts.format === undefined ? undefined : exportFormat(opts.format);
  const bundles: unknown[] = [];
  let failed = 0;
  for (const source of readRecords(file)) {
    for (const exported of source.records) {
      const record = format ? fromExport(exported, format) : exported;
      const errors = validateRecord(record).filter((i) => i.severity === 'error');
      if (errors.length > 0) {
        failed++;
        for (const e of errors) io.err(`${source.file}: ${e.expression?.join() ?? ''}: ${e.diagnostics}\n`);
        continue;
      }
      const { bundle, report } = mapRecord(record, { clinic: { name: opts.clinic } });
      for (const u of report.unmapped) io.err(`${report.recordId}: not mapped: ${u.path}: ${u.reason}\n`);
      bundles.push(bundle);
    }
  }
  if (bundles.length > 0) io.out(`${JSON.stringify(bundles.length === 1 ? bundles[0] : bundles, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
}
