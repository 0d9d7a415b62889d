// `src/main.ts` on the embedded database stops its database however it ends: Ctrl-C (SIGINT) or an uncaught
// error (issue 2, point 2). The real server runs as a child process; the process table (/proc) is checked after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChildServer, type ChildServer } from '../support/child-server';

jest.setTimeout(120_000);

/** Embedded database launchers serving `dataDir`, with their parent pid, from /proc. */
function launchersOf(dataDir: string): Array<{ pid: number; ppid: number }> {
  const out: Array<{ pid: number; ppid: number }> = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!args[0]?.endsWith('ferretdb-embedded') || !args.includes(dataDir)) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // the fields after "pid (comm)" are: state ppid ...
      out.push({ pid: Number(d), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

async function gone(dataDir: string, ms = 15_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (launchersOf(dataDir).length === 0) return true;
  }
  return launchersOf(dataDir).length === 0;
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-signals-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The server without MONGODB_URI (so on its own embedded database in a fresh DATA_DIR). */
async function start(extra: Record<string, string> = {}): Promise<{ child: ChildServer; dataDir: string }> {
  const dataDir = path.join(tmp, 'data');
  const child = await startChildServer({
    MONGODB_URI: '',
    DATA_DIR: dataDir,
    EMBEDDED_DB_PORT: '0',
    ...extra,
  });
  return { child, dataDir };
}

function exitCode(child: ChildServer): Promise<number | null> {
  return child.exited.then(() => child.proc.exitCode);
}

it('Ctrl-C (SIGINT) stops the server and the database it started', async () => {
  const { child, dataDir } = await start();
  expect((await fetch(`${child.url}/fhir/metadata`)).status).toBe(200);
  const running = launchersOf(dataDir);
  expect(running).toEqual([{ pid: expect.any(Number), ppid: child.proc.pid }]);
  child.proc.kill('SIGINT');
  expect(await exitCode(child)).toBe(0);
  expect(await gone(dataDir)).toBe(true);
  expect(fs.existsSync(`/proc/${running[0]!.pid}`)).toBe(false);
});

it('an uncaught error stops the server (exit 1) and the database it started', async () => {
  // A preload that throws outside any request when told to: the server's own uncaughtException path handles it.
  const preload = path.join(tmp, 'throw-on-usr2.js');
  fs.writeFileSync(
    preload,
    "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('injected uncaught error'); }));\n",
  );
  const { child, dataDir } = await start({
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim(),
  });
  const running = launchersOf(dataDir);
  expect(running).toEqual([{ pid: expect.any(Number), ppid: child.proc.pid }]);
  child.proc.kill('SIGUSR2');
  expect(await exitCode(child)).toBe(1);
  expect(await gone(dataDir)).toBe(true);
  expect(fs.existsSync(`/proc/${running[0]!.pid}`)).toBe(false);
});
