// Starts one embedded FerretDB for the whole test run (unless MONGODB_URI names a database to use as is), and opens
// the run's log file, where every test server logs at debug level (checked by the global teardown).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from '../../src/storage/embedded-ferretdb';
import { RUN_LOG_ENV } from './log-check';

declare global {
  var __EPHR_TEST_DB__: { db: EmbeddedDb; dir: string } | undefined;
  var __EPHR_TEST_LOG__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-fhir-log-'));
  globalThis.__EPHR_TEST_LOG__ = process.env[RUN_LOG_ENV] = path.join(logDir, 'servers.log');
  fs.writeFileSync(process.env[RUN_LOG_ENV], '');
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-fhir-test-'));
  const db = await startEmbeddedDb({ dataDir: dir, port: 0 });
  globalThis.__EPHR_TEST_DB__ = { db, dir };
  process.env.TEST_MONGODB_URI = db.uri;
}
