// Brings dist/ up to date with the TypeScript sources by TypeScript's incremental build (`tsc -b`, its state in
// dist/build.tsbuildinfo): with nothing changed it only compares timestamps (about 0.2 s) and writes nothing; after
// a change it compiles again. `npm start`, `npm run build`, `npm run bench` and the CLI in a checkout go through it,
// so a stale dist/ is never run. `node scripts/build.js`: exit code 1 when the sources do not compile.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const CONFIG = path.join(root, 'tsconfig.build.json');
const BUILD_INFO = path.join(root, 'dist', 'build.tsbuildinfo');
const LOCK = path.join(root, 'dist', '.build.lock');

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
  const unlock = lock();
  try {
    const before = mtime(BUILD_INFO);
    const started = Date.now();
    const run = spawnSync(process.execPath, [tsc, '-b', CONFIG], { cwd: root, stdio: ['ignore', 2, 2] });
    if (run.status !== 0) {
      say(`ephr-fhir: the TypeScript sources do not compile (tsc: ${run.status ?? run.signal ?? run.error})`);
      return false;
    }
    if (mtime(BUILD_INFO) !== before)
      say(`ephr-fhir: compiled the sources into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  } finally {
    unlock();
  }
}

module.exports = { build, canBuild: () => compiler() !== undefined };

if (require.main === module) process.exitCode = build() ? 0 : 1;
