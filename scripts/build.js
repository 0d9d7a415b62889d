// Brings dist/ up to date with the TypeScript sources by TypeScript's incremental build (`tsc -b`, its state in
// dist/build.tsbuildinfo): after a change it compiles what changed; with nothing changed it writes nothing.
// `npm start`, `npm run build`, `npm run bench` and the CLI in a checkout go through it, so a stale dist/ is never
// run. `node scripts/build.js`: exit code 1 when the sources do not compile.
//
// Before it loads TypeScript (0.2 s on an idle machine, over 1 s on a loaded one) it looks for itself: dist/.built
// is stamped with the time a `tsc -b` started that then succeeded, and when no file or folder of the sources
// (src/, bench/, tests/: a superset of tsc's inputs; a folder's time changes when a file is added or removed), no
// tsconfig, package.json or the installed TypeScript is newer, there is nothing to do. Anything newer goes to
// `tsc -b`, which decides by its own rules (and a failed build removes the stamp first).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const CONFIG = path.join(root, 'tsconfig.build.json');
const BUILD_INFO = path.join(root, 'dist', 'build.tsbuildinfo');
const LOCK = path.join(root, 'dist', '.build.lock');
const STAMP = path.join(root, 'dist', '.built');
const SOURCE_DIRS = ['src', 'bench', 'tests'];
const SOURCE_FILES = [
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'node_modules/typescript/package.json',
];

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The TypeScript compiler of this checkout, or undefined where it is not installed (no dev dependencies). */
function compiler() {
  if (!fs.existsSync(CONFIG)) return undefined;
  try {
    return require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    return undefined;
  }
}

/** True when something in the sources may be newer than the last successful build (or there was none). */
function changedSince(stamp) {
  if (stamp === undefined || mtime(BUILD_INFO) === undefined) return true;
  const newer = (file) => (mtime(file) ?? Infinity) >= stamp;
  if (SOURCE_FILES.some((f) => newer(path.join(root, f)))) return true;
  const walk = (dir) => {
    if (newer(dir)) return true;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() ? walk(full) : newer(full)) return true;
    }
    return false;
  };
  return SOURCE_DIRS.some((d) => walk(path.join(root, d)));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** One build at a time per checkout (a CLI run beside `npm start` after a pull): tsc writes its outputs in place. */
function lock() {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(LOCK, { force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number(fs.readFileSync(LOCK, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    // a holder that died, or one that never got to write its pid within a minute, leaves the lock behind
    const stale = holder > 0 ? !alive(holder) : Date.now() - (mtime(LOCK) ?? 0) > 60_000;
    if (stale) fs.rmSync(LOCK, { force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

/**
 * Builds dist/ when the sources changed since the last build. Returns true when dist/ is up to date; false, with
 * tsc's errors on stderr, when the sources do not compile. tsc's own output goes to stderr, so the CLI's stdout
 * stays its data.
 */
function build(say = (m) => process.stderr.write(`${m}\n`)) {
  const tsc = compiler();
  if (tsc === undefined) {
    say('ephr-fhir: TypeScript is not installed here: run `npm ci` to build dist/');
    return false;
  }
  if (!changedSince(mtime(STAMP))) return true;
  const unlock = lock();
  try {
    fs.rmSync(STAMP, { force: true });
    const before = mtime(BUILD_INFO);
    const started = new Date();
    const run = spawnSync(process.execPath, [tsc, '-b', CONFIG], { cwd: root, stdio: ['ignore', 2, 2] });
    if (run.status !== 0) {
      say(`ephr-fhir: the TypeScript sources do not compile (tsc: ${run.status ?? run.signal ?? run.error})`);
      return false;
    }
    // the time tsc started: a source saved while it ran is newer, so the next build asks tsc again
    fs.writeFileSync(STAMP, '');
    fs.utimesSync(STAMP, started, started);
    if (mtime(BUILD_INFO) !== before)
      say(
        `ephr-fhir: compiled the sources into dist/ in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`,
      );
    return true;
  } finally {
    unlock();
  }
}

module.exports = { build, canBuild: () => compiler() !== undefined };

if (require.main === module) process.exitCode = build() ? 0 : 1;
