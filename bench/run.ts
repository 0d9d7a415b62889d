// `npm run bench [-- module ...]`: runs the benchmark modules (bench/<area>.ts, each exporting
// `bench(): Promise<string>`) one after the other, each in a process of its own, and writes their sections into
// bench/results.md, keeping the sections of modules not run this time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../src/project-root';
import { stopBenchDb } from './support/db';
import { loadAverage, machineHeader } from './support/machine';
import { asSection, discoverModules, isBenchModule, mergeSections, selectModules } from './support/modules';

/** A module that runs longer than this is reported as failed (search on 100,000 resources takes the longest). */
const MODULE_LIMIT_MS = Number(process.env.BENCH_MODULE_LIMIT_S ?? 3600) * 1000;
const RESULTS = path.join(projectRoot, 'bench', 'results.md');

const say = (m: string): void => void process.stderr.write(`bench: ${m}\n`);

async function runModule(name: string): Promise<string> {
  const started = Date.now();
  const load = loadAverage(); // before the module adds its own
  try {
    const mod: unknown = await import(pathToFileURL(path.join(__dirname, `${name}.js`)).href);
    const m = isBenchModule(mod) ? mod : (mod as { default?: unknown }).default;
    if (!isBenchModule(m)) throw new Error(`bench/${name}.ts does not export async function bench()`);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not finish within ${MODULE_LIMIT_MS / 1000} s`)),
        MODULE_LIMIT_MS,
      );
    });
    const markdown = await Promise.race([m.bench(), limit]).finally(() => clearTimeout(timer));
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    say(`${name} done in ${secs} s`);
    const when = new Date(started).toISOString();
    return `${asSection(name, markdown)}\n\n_Module \`${name}\`: measured ${when}, load average at start (1 / 5 / 15 min) ${load}, ran for ${secs} s._`;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    say(`${name} FAILED: ${msg}`);
    process.exitCode = 1;
    return `## ${name}\n\n**Failed:** ${msg}`;
  }
}

async function main(): Promise<void> {
  const available = discoverModules(__dirname, path.join(projectRoot, 'bench'));
  const chosen = selectModules(available, process.argv.slice(2));
  if (chosen.length > 1) {
    // One process per module, one after the other: no module's figures depend on the heap and JIT state that the
    // ones before it left (the validation ratio fell from 3.0x alone to 2.4x after three other modules).
    for (const name of chosen) {
      const child = spawnSync(process.execPath, [__filename, name], { stdio: 'inherit' });
      if (child.status !== 0) process.exitCode = 1;
    }
    return;
  }
  const sections = new Map<string, string>();
  try {
    for (const name of chosen) {
      say(`running ${name}`);
      sections.set(name, await runModule(name));
    }
  } finally {
    await stopBenchDb();
  }
  const previous = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '';
  fs.writeFileSync(RESULTS, mergeSections(machineHeader(), previous, sections));
  say(`wrote ${path.relative(process.cwd(), RESULTS)}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping`);
    void stopBenchDb().finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  // Anything a module left open (a socket, a timer) must not keep the run alive.
  .finally(() => process.exit());
