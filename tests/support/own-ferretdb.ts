// A test file's own embedded FerretDB (not the run's shared one), for tests that time or explain its reads: started
// before the file's tests, stopped and removed after them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Db, MongoClient } from 'mongodb';
import { startEmbeddedDb, type EmbeddedDb } from '../../src/storage/embedded-ferretdb';

/** Registers the hooks; `db()` is the database `name` once the file's tests run. */
export function ownFerretDb(name: string): { db: () => Db } {
  let dir: string;
  let server: EmbeddedDb;
  let client: MongoClient;
  let db: Db | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `ephr-${name}-`));
    server = await startEmbeddedDb({ dataDir: dir, port: 0 });
    client = await MongoClient.connect(server.uri + '?directConnection=true');
    db = client.db(name);
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    db: () => {
      if (!db) throw new Error('the database is not started yet');
      return db;
    },
  };
}
