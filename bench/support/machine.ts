// The results header: which machine, which load and which software the figures were measured on.
import os from 'node:os';

export function machineHeader(modules: readonly string[], now = new Date()): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const gib = (os.totalmem() / 1024 ** 3).toFixed(1);
  return [
    '# ephr-fhir benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); every figure below comes from one run on this machine.',
    '',
    '| | |',
    '|---|---|',
    `| Date | ${now.toISOString()} |`,
    `| CPU | ${model} × ${cpus.length} |`,
    `| Memory | ${gib} GiB |`,
    `| Load average at start (1 / 5 / 15 min) | ${load} |`,
    `| Node | ${process.version} |`,
    `| OS | ${os.type()} ${os.release()} (${os.platform()}/${os.arch()}) |`,
    `| Modules | ${modules.join(', ')} |`,
    '',
  ].join('\n');
}
