// Runs src/main.ts as a separate process (as `npm start` would, without a build) so a test can kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RUN_LOG_ENV } from './log-check';
import { freePort } from './server';

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

const root = path.resolve(__dirname, '../..');

export async function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const port = await freePort();
  // Inside a jest run the server's own logger (src/logger.ts, stdout) writes into the run's log at debug level.
  const runLog = process.env[RUN_LOG_ENV];
  const stdout = runLog ? fs.openSync(runLog, 'a') : 'ignore';
  const proc = spawn(
    process.execPath,
    ['-r', path.join(root, 'scripts', 'register-ts.js'), path.join(root, 'src/main.ts')],
    {
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: runLog ? 'debug' : 'error',
        CI: '1',
        DEV_UNAUTHENTICATED: 'loopback',
        ...env,
      },
      stdio: ['ignore', stdout, 'inherit'],
    },
  );
  if (typeof stdout === 'number') fs.closeSync(stdout);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 30_000; ;) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error('the server did not become ready within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, proc, exited };
}
