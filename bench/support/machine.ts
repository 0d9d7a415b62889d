// The results header: which machine, which load and which software the figures were measured on.
import os from 'node:os';

export function machineHeader(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const gib = (os.totalmem() / 1024 ** 3).toFixed(1);
  return [
    '# ephr-fhir benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts). `npm run bench -- MODULE ...` runs some modules and replaces only',
    'their sections; each section says when it was measured and how loaded the machine was then.',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${model} × ${cpus.length} |`,
    `| Memory | ${gib} GiB |`,
    `| Node | ${process.version} |`,
    `| OS | ${os.type()} ${os.release()} (${os.platform()}/${os.arch()}) |`,
    '',
  ].join('\n');
}

/** The load average now (1 / 5 / 15 min). */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}
