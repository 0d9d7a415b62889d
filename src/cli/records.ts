// The e-PHR records named on the command line: a JSON record, a JSON array of records, or a CSV export, or a folder
// of such files (read in name order).
import fs from 'node:fs';
import path from 'node:path';
import { recordsFrom } from '../interactions/ephr-import';

export interface SourceFile {
  file: string;
  records: unknown[];
}

function readOne(file: string): SourceFile {
  return { file, records: recordsFrom(fs.readFileSync(file, 'utf8'), file.toLowerCase().endsWith('.csv')) };
}

export function readRecords(target: string): SourceFile[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${target}: no such file or folder`);
  if (!stat.isDirectory()) return [readOne(target)];
  return fs
    .readdirSync(target)
    .filter((f) => /\.(json|csv)$/i.test(f))
    .sort()
    .map((f) => readOne(path.join(target, f)));
}
