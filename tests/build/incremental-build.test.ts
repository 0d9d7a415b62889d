// `npm start` builds dist/ before it runs it, incrementally (scripts/build.js, TypeScript's `tsc -b`): a second
// start with nothing changed writes nothing, a changed source is compiled before anything runs, and sources that do
// not compile stop the start every time until they are fixed. On a copy of the build's inputs, so that the
// checkout's own dist/ (which the CLI tests run) is not touched.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';

jest.setTimeout(300_000); // one full compilation and several incremental ones, on a loaded machine

let copy: string;
let buildStep: string;

beforeAll(() => {
  const start = (
    JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts.start!;
  // the step `npm start` runs before the server, run here by itself
  buildStep = start.split(' && ')[0]!;
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-build-'));
  for (const entry of [
    'src',
    'bench',
    'tests',
    'scripts',
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
  ])
    fs.cpSync(path.join(projectRoot, entry), path.join(copy, entry), { recursive: true });
  fs.symlinkSync(fs.realpathSync(path.join(projectRoot, 'node_modules')), path.join(copy, 'node_modules'));
});
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

function build(): Promise<{ code: number; stderr: string }> {
  const [command, ...args] = buildStep.split(' ');
  expect(command).toBe('node');
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: copy }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr });
    });
  });
}

/** Every file of dist/ with its modification time. */
function distFiles(): Map<string, number> {
  const dist = path.join(copy, 'dist');
  const files = new Map<string, number>();
  for (const f of fs.readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    const stat = fs.statSync(path.join(dist, f));
    if (stat.isFile()) files.set(f, stat.mtimeMs);
  }
  return files;
}

it('npm start runs the build step, then dist/', () => {
  expect(buildStep).toBe('node scripts/build.js');
});

it('builds dist/ once: a second build with nothing changed writes nothing', async () => {
  const first = await build();
  expect(first).toEqual({ code: 0, stderr: expect.stringMatching(/compiled the sources into dist\//) });
  const built = distFiles();
  expect(built.has(path.join('src', 'main.js'))).toBe(true);
  expect(built.has(path.join('src', 'cli', 'index.js'))).toBe(true);

  expect(await build()).toEqual({ code: 0, stderr: '' });
  expect(distFiles()).toEqual(built);
});

it('compiles a changed source before anything runs', async () => {
  const source = path.join(copy, 'src', 'version.ts');
  fs.appendFileSync(source, 'export const BUILD_TEST_MARK = 42;\n');
  const run = await build();
  expect(run).toEqual({ code: 0, stderr: expect.stringMatching(/compiled the sources into dist\//) });
  expect(fs.readFileSync(path.join(copy, 'dist', 'src', 'version.js'), 'utf8')).toContain(
    'BUILD_TEST_MARK = 42',
  );
  expect(await build()).toEqual({ code: 0, stderr: '' });
});

it('compiles again when a source is added or removed', async () => {
  const added = path.join(copy, 'src', 'mapping', 'build-test-added.ts');
  fs.writeFileSync(added, 'export const ADDED = 1;\n');
  expect(await build()).toEqual({ code: 0, stderr: expect.stringMatching(/compiled/) });
  expect(fs.existsSync(path.join(copy, 'dist', 'src', 'mapping', 'build-test-added.js'))).toBe(true);
  // only the folder's time tells of a removal; tsc then writes its state again
  fs.rmSync(added);
  expect(await build()).toEqual({ code: 0, stderr: expect.stringMatching(/compiled/) });
  expect(await build()).toEqual({ code: 0, stderr: '' });
});

it('sources that do not compile stop the start, again at the next one, until they are fixed', async () => {
  const source = path.join(copy, 'src', 'version.ts');
  const good = fs.readFileSync(source, 'utf8');
  fs.appendFileSync(source, "export const broken: number = 'not a number';\n");
  for (let i = 0; i < 2; i++) {
    const run = await build();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('src/version.ts');
    expect(run.stderr).toContain('the TypeScript sources do not compile');
  }
  fs.writeFileSync(source, good);
  expect((await build()).code).toBe(0);
});
