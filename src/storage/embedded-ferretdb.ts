// The embedded database: FerretDB 1.24.2 on SQLite, built once per machine from the Go module proxy and
// started as a child process that dies with us (see scripts/ferretdb/main.go and shared database rules). The build
// applies the fixes in scripts/ferretdb/patches/ (src/storage/ferretdb-patches.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { projectRoot } from '../project-root';
import { applyPatches, filesDigest, PatchError, patchFiles } from './ferretdb-patches';

export const FERRETDB_VERSION = '1.24.2';
const LAUNCHER_DIR = path.join(projectRoot, 'scripts', 'ferretdb');

export class EmbeddedDbError extends Error {}

type Say = (msg: string) => void;

function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ephr-fhir');
}

/** The binary's path: keyed by the launcher's sources and the patches, so a change to any of them builds anew. */
export function ferretdbBinaryPath(): string {
  const sources = ['main.go', 'go.mod', 'go.sum'].map((f) => path.join(LAUNCHER_DIR, f));
  const key = filesDigest([...sources, ...patchFiles()]).slice(0, 12);
  return path.join(cacheRoot(), `ferretdb-${FERRETDB_VERSION}-${key}`, 'ferretdb-embedded');
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
  const src = `${path.dirname(bin)}/src.${process.pid}`;
  try {
    prepareSources(src);
    const r = spawnSync('go', ['build', '-trimpath', '-buildvcs=false', '-o', tmp, '.'], {
      cwd: src,
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) {
      fs.rmSync(tmp, { force: true });
      throw new EmbeddedDbError(
        `go build of the embedded database failed (exit ${r.status ?? r.signal}); see the output above`,
      );
    }
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  fs.renameSync(tmp, bin); // atomic: a concurrent builder sees either nothing or a whole binary
  say(`ephr-fhir: embedded database built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

function go(args: string[], cwd: string): string {
  const r = spawnSync('go', args, { cwd, encoding: 'utf8', env: process.env, maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0)
    throw new EmbeddedDbError(`go ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

function writable(p: string): void {
  const st = fs.statSync(p);
  fs.chmodSync(p, st.mode | 0o200);
  if (st.isDirectory()) for (const f of fs.readdirSync(p)) writable(path.join(p, f));
}

/** The launcher in `dir`, built against a copy of the FerretDB module with our patches applied. */
function prepareSources(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['main.go', 'go.mod', 'go.sum'])
    fs.copyFileSync(path.join(LAUNCHER_DIR, f), path.join(dir, f));
  const module = `github.com/FerretDB/FerretDB@v${FERRETDB_VERSION}`;
  const { Dir } = JSON.parse(go(['mod', 'download', '-json', module], dir)) as { Dir?: string };
  if (!Dir) throw new EmbeddedDbError(`go mod download did not say where ${module} is`);
  const copy = path.join(dir, 'ferretdb');
  fs.cpSync(Dir, copy, { recursive: true });
  writable(copy); // the module cache is read-only; the copy must be patched and removed
  try {
    applyPatches(copy, patchFiles());
  } catch (e) {
    if (e instanceof PatchError) throw new EmbeddedDbError(`FerretDB ${FERRETDB_VERSION}: ${e.message}`);
    throw e;
  }
  go(['mod', 'edit', `-replace=github.com/FerretDB/FerretDB=./ferretdb`], dir);
}

export interface EmbeddedDb {
  uri: string;
  /** The running process (a new one after each restart). */
  readonly pid: number;
  /** False from the moment the process dies until a restart listens again on the same address. */
  readonly up: boolean;
  stop(): Promise<void>;
}

/** What the watch over the process saw: exit codes, attempts and delays only (no data of any kind). */
export type EmbeddedDbEvent =
  | { event: 'exited'; code: number | null; signal: string | null; attempt: number; restartInMs: number }
  | { event: 'restarted'; pid: number; attempt: number }
  | { event: 'restart-failed'; reason: string; attempt: number; restartInMs: number };

export interface StartOptions {
  dataDir: string;
  port: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  say?: Say;
  /** Told of each death and restart of the process. */
  onEvent?: (e: EmbeddedDbEvent) => void;
}

/** The wait before each restart in a row; the last one repeats. A process that ran HEALTHY_MS starts the row anew. */
export const RESTART_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15_000] as const;
const HEALTHY_MS = 60_000;

function launch(bin: string, opts: StartOptions, port: number): ChildProcess {
  return spawn(
    bin,
    [
      '-sqlite-dir',
      opts.dataDir,
      '-listen-addr',
      `127.0.0.1:${port}`,
      '-log-level',
      opts.logLevel ?? 'error',
    ],
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop the database after the server.
    // Its stdin is a pipe we hold: when we die, even by SIGKILL, it closes and the launcher exits (main.go).
    { stdio: ['pipe', 'pipe', 'inherit'], detached: true },
  );
}

const ended = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

/**
 * Starts FerretDB on `port` (or a free one when it is taken) and resolves once it listens. From then on it is
 * watched: when it dies it is started again on the same address (the driver reconnects by itself), after a wait that
 * grows with each death in a row up to the last of RESTART_DELAYS_MS.
 */
export async function startEmbeddedDb(opts: StartOptions): Promise<EmbeddedDb> {
  const bin = ensureFerretdbBuilt(opts.say);
  fs.mkdirSync(opts.dataDir, { recursive: true });
  let child = launch(bin, opts, opts.port);
  const uri = await readUri(child);
  const port = Number(new URL(uri).port);
  let up = true;
  let stopping = false;
  let inARow = 0;
  let attempt = 0;
  let startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const tell = opts.onEvent ?? (() => undefined);

  const nextDelay = (): number => RESTART_DELAYS_MS[Math.min(inARow++, RESTART_DELAYS_MS.length - 1)]!;
  const watch = (c: ChildProcess): void => {
    c.once('exit', (code, signal) => {
      if (stopping || c !== child) return;
      up = false;
      if (Date.now() - startedAt >= HEALTHY_MS) inARow = 0;
      const restartInMs = nextDelay();
      tell({ event: 'exited', code, signal, attempt: attempt + 1, restartInMs });
      timer = setTimeout(() => void restart(), restartInMs);
    });
  };
  const restart = async (): Promise<void> => {
    timer = undefined;
    if (stopping) return;
    attempt++;
    const c = (child = launch(bin, opts, port));
    try {
      const got = await readUri(c);
      // The driver knows one address: a launcher that had to take another port is of no use to it.
      if (got !== uri) throw new EmbeddedDbError(`port ${port} is taken`);
      if (stopping) return;
      up = true;
      startedAt = Date.now();
      watch(c);
      tell({ event: 'restarted', pid: c.pid ?? -1, attempt });
    } catch (err) {
      if (!ended(c)) c.kill('SIGKILL');
      if (stopping) return;
      const restartInMs = nextDelay();
      const reason = err instanceof Error ? err.message : String(err);
      tell({ event: 'restart-failed', reason, attempt, restartInMs });
      timer = setTimeout(() => void restart(), restartInMs);
    }
  };
  watch(child);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= new Promise<void>((resolve) => {
      stopping = true;
      up = false;
      if (timer) clearTimeout(timer);
      const c = child;
      if (ended(c)) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 5000).unref();
    }));
  // A normal exit of ours: kill synchronously; on any other death the launcher sees its stdin close.
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    uri,
    get pid() {
      return child.pid ?? -1;
    },
    get up() {
      return up;
    },
    stop,
  };
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
