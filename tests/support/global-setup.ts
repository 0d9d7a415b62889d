// Starts one embedded FerretDB for the whole test run (unless MONGODB_URI names a database to use as is).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from '../../src/storage/embedded-ferretdb';

declare global {
  var __EPHR_TEST_DB__: { db: EmbeddedDb; dir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-fhir-test-'));
  const db = await startEmbeddedDb({ dataDir: dir, port: 0 });
  globalThis.__EPHR_TEST_DB__ = { db, dir };
  process.env.TEST_MONGODB_URI = db.uri;
}
