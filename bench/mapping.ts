// Benchmark: pure e-PHR -> FHIR mapping throughput (records/s, one core) over generated records.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapRecord, validateRecord } from '../src/mapping';
import { projectRoot } from '../src/project-root';

const FIXTURES = path.join(projectRoot, 'fixtures', 'ephr');

/** `count` records made from the fixtures, each with its own e-PHR id (so ids and hashes differ). */
export function generateRecords(count: number): Record<string, unknown>[] {
  const templates = fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as Record<string, unknown>);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const t = templates[i % templates.length];
    if (!t) break;
    out.push({ ...structuredClone(t), ephrId: `BENCH-${String(i).padStart(7, '0')}` });
  }
  return out;
}

function measure(records: Record<string, unknown>[]): { ms: number; resources: number; bytes: number } {
  const clinic = { name: 'Benchmark clinic', id: 'BENCH' };
  let resources = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (const r of records) {
    const { bundle } = mapRecord(r, { clinic });
    resources += bundle.entry?.length ?? 0;
    bytes += JSON.stringify(bundle).length;
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, resources, bytes };
}

export async function bench(): Promise<string> {
  const n = Number(process.env.BENCH_MAPPING_RECORDS ?? 2000);
  const records = generateRecords(n);
  const inputBytes = records.reduce((s, r) => s + JSON.stringify(r).length, 0);
  measure(generateRecords(200)); // warm-up: ajv compile, rule loading, JIT
  const validateStart = process.hrtime.bigint();
  for (const r of records) validateRecord(r);
  const validateMs = Number(process.hrtime.bigint() - validateStart) / 1e6;
  const { ms, resources, bytes } = measure(records);
  await Promise.resolve();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    '## e-PHR mapping throughput (pure, one core)',
    '',
    `Machine: ${os.cpus().length}-core VM (${cpu}), Node ${process.version}. Input: ${n} records generated from the`,
    `${Math.min(n, 24)} fixtures in fixtures/ephr/ (new e-PHR id each), ${(inputBytes / 1024 / 1024).toFixed(1)} MiB of JSON;`,
    `output ${resources} resources in ${n} transaction Bundles, ${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON.`,
    '',
    '| step | total | per record | records/s |',
    '|---|---|---|---|',
    `| validateRecord (ajv + checks) | ${validateMs.toFixed(0)} ms | ${((validateMs * 1000) / n).toFixed(0)} µs | ${Math.round(n / (validateMs / 1000))} |`,
    `| mapRecord (validate + map + JSON size) | ${ms.toFixed(0)} ms | ${((ms * 1000) / n).toFixed(0)} µs | ${Math.round(n / (ms / 1000))} |`,
    '',
  ].join('\n');
}

if (require.main === module) {
  bench().then(
    (md) => console.log(md),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
