// The server uses MONGODB_URI as is when set, and starts its own embedded database when not (issue 2).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { openServer } from '../../src/server';
import { freePort, startTestServer, testDatabaseUri } from '../support/server';

it('uses a running database named by MONGODB_URI without starting one', async () => {
  const server = await startTestServer({ DB_NAME: 'given_db_check' });
  try {
    expect(server.running.embedded).toBeUndefined();
    await request(server.url).get('/readyz').expect(200);
    await server.running.db.collection('marker').insertOne({ from: 'server' });
    const other = await mongoose
      .createConnection(testDatabaseUri(), { dbName: 'given_db_check' })
      .asPromise();
    expect(await other.db!.collection('marker').countDocuments({ from: 'server' })).toBe(1);
    await other.close();
  } finally {
    await server.close();
  }
});

it('starts the embedded database when MONGODB_URI is not set, with data in DATA_DIR', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-start-'));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    DATA_DIR: dir,
    EMBEDDED_DB_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const running = await openServer(config, pino({ level: 'silent' }));
  try {
    expect(running.embedded).toBeDefined();
    await request(`http://127.0.0.1:${port}`).get('/fhir/metadata').expect(200);
    await running.db.collection('marker').insertOne({ at: 'start' });
    expect(fs.readdirSync(dir)).toContain('ephr.sqlite');
  } finally {
    await running.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(() => process.kill(running.embedded!.pid, 0)).toThrow();
});
