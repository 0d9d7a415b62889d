// The benchmarks' database server: an embedded FerretDB on a temporary directory, started on first use and
// removed by stopBenchDb() (never ./data). See ../../src/storage/embedded-ferretdb.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from '../../src/storage/embedded-ferretdb';

export interface BenchDb {
  /** mongodb://127.0.0.1:PORT/?... without a database name. */
  uri: string;
  pid: number;
  dataDir: string;
}

let started: Promise<{ db: EmbeddedDb; dataDir: string }> | undefined;

/** The run's embedded FerretDB (SQLite backend), started once, on a loopback port the kernel picks. */
export async function benchDb(): Promise<BenchDb> {
  started ??= (async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-bench-'));
    try {
      return { db: await startEmbeddedDb({ dataDir, port: 0, logLevel: 'error' }), dataDir };
    } catch (err) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  })();
  const { db, dataDir } = await started;
  return { uri: db.uri, pid: db.pid, dataDir };
}

/** Stops the database (if it was started) and removes its directory. */
export async function stopBenchDb(): Promise<void> {
  const s = started;
  started = undefined;
  if (!s) return;
  const { db, dataDir } = await s;
  await db.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
