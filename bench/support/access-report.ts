// The markdown of the access benchmark (bench/access.ts): the request table by caller, the audit trail's append
// rates, record sizes and verification time, and how to read them.
import type { AppendRates, RecordSizes } from './audit-bench';
import type { CpuShare } from './cpu';
import { figures, int, ms, overhead, type Sample } from './stats';

export type Measured = Sample & { cpu: CpuShare };

export interface Row {
  op: string;
  caller: string;
  connections: number;
  m: Measured;
  /** Entries per answer (searches), from probes before the phase. */
  entries?: number;
  /** The development caller's row of the same operation and connections, for the last column. */
  base?: Measured;
}

/** One sample of several runs: their requests, errors and wall times added, their CPU per request weighted. */
export function mergeMeasured(parts: Measured[]): Measured {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const cpu: CpuShare = {};
  for (const k of Object.keys(parts[0]?.cpu ?? {})) {
    const known = parts.every((p) => p.cpu[k] !== undefined || p.count === 0);
    cpu[k] =
      known && count > 0 ? parts.reduce((t, p) => t + (p.cpu[k] ?? 0) * p.count, 0) / count : undefined;
  }
  return {
    count,
    errors: parts.reduce((n, p) => n + p.errors, 0),
    wallMs: parts.reduce((n, p) => n + p.wallMs, 0),
    latencies: parts.flatMap((p) => p.latencies),
    cpu,
  };
}

export const REQUEST_HEAD = [
  '| Operation | Caller | Conn. | Done | Errors | req/s | p50 ms | p95 ms | p99 ms | mean ms | CPU ms/op: client / server / FerretDB | vs development caller: mean (p50) |',
  '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
].join('\n');

const cpuCell = (c: CpuShare): string =>
  [c.client, c.server, c.ferretdb].map((v) => (v === undefined ? '–' : ms(v))).join(' / ');

export function requestRow(r: Row): string {
  const f = figures(r.m);
  const b = r.base && figures(r.base);
  const vs = b && r.base !== r.m ? `${overhead(f.mean, b.mean)} (${overhead(f.p50, b.p50)})` : '';
  const caller = r.entries === undefined ? r.caller : `${r.caller} (${r.entries.toFixed(1)} entries)`;
  return `| ${r.op} | ${caller} | ${r.connections} | ${int(f.count)} | ${f.errors} | ${int(f.perSecond)} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${ms(f.mean)} | ${cpuCell(r.m.cpu)} | ${vs} |`;
}

export function appendTable(a: AppendRates): string {
  const row = (what: string, inFlight: number, s: Measured): string => {
    const f = figures(s);
    const cpu = [s.cpu.client, s.cpu.ferretdb].map((v) => (v === undefined ? '–' : ms(v))).join(' / ');
    return `| ${what} | ${inFlight} | ${int(f.count)} | ${f.errors} | ${int(f.perSecond)} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${cpu} |`;
  };
  return [
    '| Appends | In flight | Done | Errors | appends/s | p50 ms | p95 ms | p99 ms | CPU ms/append: benchmark process / FerretDB |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    row('`AuditLog.append` (chained, group commit)', 1, a.chain1),
    row('`AuditLog.append` (chained, group commit)', 10, a.chain10),
    row("`insertOne` of the same records, no chain (the database's floor)", 10, a.raw10),
    row(
      `the benchmark's group-commit prototype (mean group ${a.groupedMeanBatch.toFixed(1)})`,
      10,
      a.grouped10,
    ),
  ].join('\n');
}

export function sizeTable(s: RecordSizes): string {
  const order = [...s.bson.keys()].filter((k) => k !== 'all').sort();
  const line = (k: string): string => {
    const v = s.bson.get(k)!;
    return `| ${k === 'all' ? '**all**' : k} | ${int(v.count)} | ${int(v.bytes / v.count)} | ${int(v.eventChars / v.count)} |`;
  };
  return [
    '| Event subtype | Records | BSON bytes / record | of which the AuditEvent JSON |',
    '|---|--:|--:|--:|',
    ...order.map(line),
    line('all'),
  ].join('\n');
}

export interface VerifyFigures {
  cli: { ms: number; count: number };
  inProcess: { ms: number; count: number; ok: boolean };
  /** `ephr-fhir clients list` on the same database: the command's start and stop without the walk. */
  cliStartMs: number;
}

export function verifyLine(v: VerifyFigures): string {
  const per10k = (t: number, n: number): string => (n > 0 ? `${int((t * 10_000) / n)} ms` : 'n/a');
  return [
    `\`ephr-fhir audit verify\` on the ${int(v.cli.count)} events the server recorded in this run took`,
    `${int(v.cli.ms)} ms as a command (${per10k(v.cli.ms, v.cli.count)} per 10,000 events, start included; starting`,
    `and stopping the command without the walk, as \`ephr-fhir clients list\`, takes ${int(v.cliStartMs)} ms);`,
    `the walk alone (\`AuditLog.verify\` in the benchmark process) took ${int(v.inProcess.ms)} ms for`,
    `${int(v.inProcess.count)} events: **${per10k(v.inProcess.ms, v.inProcess.count)} per 10,000 events**`,
    `(chain ${v.inProcess.ok ? 'whole' : 'BROKEN'}).`,
  ].join(' ');
}
