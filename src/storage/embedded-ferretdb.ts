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

/**
 * Fixes applied to FerretDB 1.24.2 at build time, so that lookups by `_id` use SQLite's `_id` index and
 * concurrent writes do not sleep.
 * - Its SQLite backend creates the `_id` index on `_ferretdb_sjson->"_id"` but filters with
 *   `_ferretdb_sjson->'$._id'`; SQLite uses an expression index only for the same expression text, so every `_id`
 *   lookup scanned the whole table. The fixed filter is the index's expression (both read the `_id` key).
 * - It hands SQLite only a filter that is exactly `{_id: value}`; `{_id: {$in: [...]}}`, or `_id` beside other
 *   conditions, decoded every document of the collection in Go. The added `idWhereClause`
 *   (scripts/ferretdb/patch/id_pushdown.go) hands down the `_id` part of any filter; FerretDB still applies the
 *   whole filter to the rows that come back, as it does for every pushdown.
 * - Concurrent writes (inserts, updates, deletes of any collection of one database) race for SQLite's one write
 *   lock, and each loser sleeps in SQLite's busy handler (1, 2, 5, 10, 15 ms, ...) before it tries again: about 175
 *   such sleeps a second at 10 concurrent creates. A Go mutex per database (scripts/ferretdb/patch/write_lock.go)
 *   queues them instead, and the next writer starts as soon as the lock is free.
 * - An insert encoded its documents inside its transaction, holding the write lock; `insertStatements`
 *   (scripts/ferretdb/patch/insert_outside_lock.go) encodes them before.
 * - Its query log formats every statement's arguments (whole documents, for an insert) even when debug logging
 *   is off; `debugQuery` formats them only when it is on.
 */
export const FERRETDB_PATCH: {
  /** `from` found `count` times (default once) in `file`, each replaced by `to`. */
  replace: Array<{ file: string; from: string; to: string; count?: number }>;
  /** Files of ours copied into the module. */
  add: Array<{ from: string; to: string }>;
} = {
  replace: [
    {
      file: 'internal/backends/sqlite/metadata/metadata.go',
      from: `IDColumn = DefaultColumn + "->'$._id'"`,
      to: 'IDColumn = DefaultColumn + `->"_id"`',
    },
    {
      file: 'internal/backends/sqlite/collection.go',
      from: `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
      to: '\twhereClause, args = idWhereClause(params.Filter)\n',
    },
    {
      file: 'internal/backends/sqlite/collection.go',
      from: `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			filterPushdown = true
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
      to: '\twhereClause, args = idWhereClause(params.Filter)\n\tfilterPushdown = whereClause != ""\n',
    },
    {
      file: 'internal/backends/sqlite/collection.go',
      from: `	err := db.InTransaction(ctx, func(tx *fsql.Tx) error {
		batchSize := c.r.BatchSize
		if batchSize < 1 {
			panic("batch-size should be greater or equal to 1")
		}

		var batch []*types.Document
		docs := params.Docs

		for len(docs) > 0 {
			i := min(batchSize, len(docs))
			batch, docs = docs[:i], docs[i:]

			q, args, err := prepareInsertStatement(meta.TableName, meta.Capped(), batch)
			if err != nil {
				return lazyerrors.Error(err)
			}

			if _, err = tx.ExecContext(ctx, q, args...); err != nil {
`,
      to: `	statements, err := insertStatements(meta.TableName, meta.Capped(), params.Docs, c.r.BatchSize)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	err = db.InTransaction(ctx, func(tx *fsql.Tx) error {
		for _, s := range statements {
			if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
`,
    },
    {
      file: 'internal/util/fsql/db.go',
      from: '\t"log/slog"\n\t"time"\n',
      to: '\t"log/slog"\n\t"sync"\n\t"time"\n',
    },
    {
      file: 'internal/util/fsql/db.go',
      from: '\tBatchSize int\n}',
      to: '\tBatchSize int\n\n\twriteMu sync.Mutex\n}',
    },
    {
      file: 'internal/util/fsql/db.go',
      from: '\tres, err := db.sqlDB.ExecContext(ctx, query, args...)\n',
      to: '\tunlock := db.lockWrites()\n\tres, err := db.sqlDB.ExecContext(ctx, query, args...)\n\tunlock()\n',
    },
    {
      file: 'internal/util/fsql/db.go',
      from: '\tvar sqlTx *sql.Tx\n',
      to: '\tdefer db.lockWrites()()\n\n\tvar sqlTx *sql.Tx\n',
    },
    {
      file: 'internal/util/fsql/db.go',
      from: '\tdb.l.With(fields...).DebugContext(ctx, ',
      to: '\tdebugQuery(ctx, db.l, fields, ',
      count: 6,
    },
    {
      file: 'internal/util/fsql/tx.go',
      from: '\ttx.l.With(fields...).DebugContext(ctx, ',
      to: '\tdebugQuery(ctx, tx.l, fields, ',
      count: 6,
    },
  ],
  add: [
    { from: 'patch/id_pushdown.go', to: 'internal/backends/sqlite/ephr_id_pushdown.go' },
    { from: 'patch/write_lock.go', to: 'internal/util/fsql/ephr_write_lock.go' },
    { from: 'patch/insert_outside_lock.go', to: 'internal/backends/sqlite/ephr_insert_statements.go' },
  ],
};

/** The binary's path: keyed by the launcher's sources and the patch, so a change to them builds anew. */
export function ferretdbBinaryPath(): string {
  const hash = crypto.createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(fs.readFileSync(path.join(LAUNCHER_DIR, f)));
  hash.update(JSON.stringify(FERRETDB_PATCH));
  for (const a of FERRETDB_PATCH.add) hash.update(fs.readFileSync(path.join(LAUNCHER_DIR, a.from)));
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

/** The launcher in `dir`, built against a copy of the FerretDB module with {@link FERRETDB_PATCH} applied. */
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
  for (const r of FERRETDB_PATCH.replace) {
    const file = path.join(copy, r.file);
    const parts = fs.readFileSync(file, 'utf8').split(r.from);
    if (parts.length !== (r.count ?? 1) + 1)
      throw new EmbeddedDbError(`${module}: ${r.file} no longer reads as expected; the patch needs review`);
    fs.writeFileSync(file, parts.join(r.to));
  }
  for (const a of FERRETDB_PATCH.add) fs.copyFileSync(path.join(LAUNCHER_DIR, a.from), path.join(copy, a.to));
  go(['mod', 'edit', `-replace=github.com/FerretDB/FerretDB=./ferretdb`], dir);
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
