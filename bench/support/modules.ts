// Finds the benchmark modules: every compiled bench/<area>.js beside run.js whose bench/<area>.ts source exists
// (so a stale file left in dist/ by a removed module is not run), and picks the ones named on the command line.
import fs from 'node:fs';
import path from 'node:path';

export interface BenchModule {
  bench(): Promise<string>;
}

const NOT_MODULES = new Set(['run']);

/** Module names (file names without extension), sorted. */
export function discoverModules(compiledDir: string, sourceDir: string): string[] {
  return fs
    .readdirSync(compiledDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -'.js'.length))
    .filter((name) => !NOT_MODULES.has(name) && fs.existsSync(path.join(sourceDir, `${name}.ts`)))
    .sort();
}

/** The requested modules in the order given (all of them when none is named); an unknown name is an error. */
export function selectModules(available: readonly string[], requested: readonly string[]): string[] {
  if (requested.length === 0) return [...available];
  const unknown = requested.filter((r) => !available.includes(r));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark module(s): ${unknown.join(', ')}; available: ${available.join(', ') || 'none'}`,
    );
  }
  return [...new Set(requested)];
}

/** A section starts with its own heading; one that does not gets `## <name>`. */
export function asSection(name: string, markdown: string): string {
  const text = markdown.trim();
  return /^#{1,6} /.test(text) ? text : `## ${name}\n\n${text}`;
}

export function isBenchModule(m: unknown): m is BenchModule {
  return typeof m === 'object' && m !== null && typeof (m as { bench?: unknown }).bench === 'function';
}

const MARK = /<!-- bench:([a-z0-9-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g;

/** The module sections of a results file written by {@link mergeSections}, by module name. */
export function readSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(MARK)) out.set(m[1]!, m[2]!);
  return out;
}

/**
 * A results file: the header, then one marked section per module, sorted by name. Modules run now replace their
 * section; the others keep the one an earlier run wrote (each section says when it was measured).
 */
export function mergeSections(header: string, previous: string, fresh: ReadonlyMap<string, string>): string {
  const all = new Map([...readSections(previous), ...fresh]);
  const body = [...all.keys()]
    .sort()
    .map((name) => `<!-- bench:${name} -->\n${all.get(name)!}\n<!-- /bench:${name} -->`);
  return [header, ...body].join('\n') + '\n';
}
