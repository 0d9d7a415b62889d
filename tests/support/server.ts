// A real ephr-fhir server on a free port, on a database of its own in the run's database server.
import crypto from 'node:crypto';
import net from 'node:net';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openServer, type RunningServer, type ServerOptions } from '../../src/server';
import { runLogDestination } from './log-check';

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The FHIR base, http://127.0.0.1:PORT/fhir */
  base: string;
  running: RunningServer;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export function testDatabaseUri(): string {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest (global setup)');
  return uri;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<TestServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Inside a jest run every server logs at debug level into the run's log, which the global teardown checks.
  const runLog = runLogDestination();
  const config = loadConfig({
    PORT: String(port),
    BASE_URL: `${url}/fhir`,
    MONGODB_URI: testDatabaseUri(),
    DB_NAME: `t_${crypto.randomBytes(8).toString('hex')}`,
    LOG_LEVEL: runLog ? 'debug' : 'silent',
    // Tests of other features run as the development caller; tests of access control unset this (tests/security).
    DEV_UNAUTHENTICATED: 'loopback',
    ...env,
  });
  const running = await openServer(config, createLogger(config.logLevel, runLog ?? process.stdout), options);
  return {
    url,
    base: `${url}/fhir`,
    running,
    close: async () => {
      await running.db.dropDatabase();
      await running.close();
    },
  };
}
