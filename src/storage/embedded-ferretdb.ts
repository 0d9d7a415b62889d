// The embedded database: FerretDB 1.24.2 on SQLite, built once per machine from the Go module proxy and
// started as a child process that dies with us (see scripts/ferretdb/main.go and shared database rules).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { projectRoot } from '../project-root';

export const FERRETDB_VERSION = '1.24.2';
const LAUNCHER_DIR = path.join(projectRoot, 'scripts', 'ferretdb');

export class EmbeddedDbError extends Error {}

type Say = (msg: string) => void;

function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ephr-fhir');
}

/** The binary's path: keyed by the launcher's sources, so a change to them builds anew. */
export function ferretdbBinaryPath(): string {
  const hash = crypto.createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(fs.readFileSync(path.join(LAUNCHER_DIR, f)));
  return path.join(
    cacheRoot(),
    `ferretdb-${FERRETDB_VERSION}-${hash.digest('hex').slice(0, 12)}`,
    'ferretdb-embedded',
  );
}

function checkGo(): void {
  const r = spawnSync('go', ['version'], { encoding: 'utf8', env: process.env });
  const m = /go(\d+)\.(\d+)/.exec(r.stdout ?? '');
  const ok = m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 24);
  if (r.error || r.status !== 0 || !ok) {
    const found = r.error ? 'Go was not found on PATH' : `found "${(r.stdout ?? '').trim()}"`;
    throw new EmbeddedDbError(
      `The embedded database needs Go >= 1.24 to build FerretDB ${FERRETDB_VERSION} (${found}). ` +
        'Either install Go >= 1.24, or set MONGODB_URI to a MongoDB server (for example mongodb://localhost:27017).',
    );
  }
}

/** Builds the launcher into the user cache unless it is there already; returns the binary's path. */
export function ensureFerretdbBuilt(say: Say = (m) => process.stderr.write(m + '\n')): string {
  const bin = ferretdbBinaryPath();
  if (fs.existsSync(bin)) return bin;
  checkGo();
  say(
    `ephr-fhir: building the embedded database (FerretDB ${FERRETDB_VERSION}, SQLite backend) into ${path.dirname(bin)}. ` +
      'This happens once per machine and takes a few minutes (it compiles SQLite from Go sources).',
  );
  const started = Date.now();
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = spawnSync('go', ['build', '-trimpath', '-buildvcs=false', '-o', tmp, '.'], {
    cwd: LAUNCHER_DIR,
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new EmbeddedDbError(
      `go build of the embedded database failed (exit ${r.status ?? r.signal}); see the output above`,
    );
  }
  fs.renameSync(tmp, bin); // atomic: a concurrent builder sees either nothing or a whole binary
  say(`ephr-fhir: embedded database built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

export interface EmbeddedDb {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  port: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  say?: Say;
}

/** Starts FerretDB on `port` (or a free one when it is taken) and resolves once it listens. */
export async function startEmbeddedDb(opts: StartOptions): Promise<EmbeddedDb> {
  const bin = ensureFerretdbBuilt(opts.say);
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const child = spawn(
    bin,
    [
      '-sqlite-dir',
      opts.dataDir,
      '-listen-addr',
      `127.0.0.1:${opts.port}`,
      '-log-level',
      opts.logLevel ?? 'error',
    ],
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop the database after the server.
    { stdio: ['pipe', 'pipe', 'inherit'], detached: true },
  );
  const uri = await readUri(child);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }));
  // A normal exit of ours: kill synchronously; on any other death the launcher sees its stdin close.
  process.once('exit', () => child.kill('SIGKILL'));
  return { uri, pid: child.pid ?? -1, stop };
}

function readUri(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmbeddedDbError('the embedded database did not start within 30 s'));
    }, 30_000);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const { uri } = JSON.parse(line) as { uri: string };
        resolve(uri);
      } catch {
        reject(new EmbeddedDbError(`unexpected output from the embedded database: ${line}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new EmbeddedDbError(`the embedded database exited at start (${code ?? signal})`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new EmbeddedDbError(`the embedded database could not start: ${err.message}`));
    });
  });
}
