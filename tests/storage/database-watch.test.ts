// The embedded database is watched (issue 20 point 3): killed under a running server it comes back by itself while
// requests answer 503 at once and /readyz says so; it never outlives its server, even a server killed by SIGKILL.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startChildServer, type ChildServer } from '../support/child-server';
import { freePort, startTestServer, type TestServer } from '../support/server';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The launcher serving `dir`, from the process table (Linux /proc). */
function launcherOf(dir: string): number | undefined {
  for (const d of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('ferretdb-embedded') && args.includes(dir)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Takes `port` as soon as it is free, refusing every connection, so a restart cannot listen there until released. */
async function holdPort(port: number): Promise<net.Server> {
  for (const end = Date.now() + 5000; ; await sleep(5)) {
    const s = net.createServer((socket) => socket.destroy());
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return s;
    if (Date.now() > end) throw new Error(`port ${port} stayed taken`);
  }
}

/** A request with a deadline that only catches a hang (the code before waited 15-30 s and more per request). */
async function within(ms: number, url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

const patient = { resourceType: 'Patient', active: true };
const post = (): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/fhir+json' },
  body: JSON.stringify(patient),
});

describe('a server on its own embedded database', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-dbwatch-'));
    server = await startTestServer({ MONGODB_URI: '', DATA_DIR: dir, EMBEDDED_DB_PORT: '0' });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while its database is killed, says so on /readyz, and carries on once it is back', async () => {
    const embedded = server.running.embedded!;
    const port = Number(new URL(embedded.uri).port);
    // A writer before and after the outage: every write it was told is stored must be there at the end. It waits out
    // the outage itself: a write in flight at the moment the database dies can retry past any deadline (open in
    // issue 20: storage calls do not yet check that the database is known to be down); requests sent once the
    // death is known answer at once (below).
    const acknowledged: string[] = [];
    const statuses = new Set<number>();
    let writing = true;
    let paused = false;
    let idle: () => void = () => undefined;
    const writer = (async () => {
      while (writing) {
        if (paused) {
          idle();
          await sleep(20);
          continue;
        }
        const res = await within(10_000, `${server.base}/Patient`, post());
        statuses.add(res.status);
        if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
        else await res.arrayBuffer();
      }
    })();
    while (acknowledged.length < 3) await sleep(20);
    await new Promise<void>((resolve) => {
      idle = resolve;
      paused = true;
    });
    const first = embedded.pid;
    process.kill(first, 'SIGKILL');
    // The port is held so that the first restarts fail: the outage lasts long enough to be looked at.
    const blocker = await holdPort(port);
    try {
      // /readyz has a 1 s limit of its own; the deadline here only catches a hang (before: 15 s)
      const ready = await within(5000, `${server.url}/readyz`);
      expect(ready.status).toBe(503);
      await ready.arrayBuffer();
      const read = await within(10_000, `${server.base}/Patient/${acknowledged[0]}`);
      expect(read.status).toBe(503);
      const outcome = await read.json();
      expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
      const write = await within(10_000, `${server.base}/Patient`, post());
      expect(write.status).toBe(503);
      expect(((await write.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      expect((await within(5000, `${server.url}/healthz`)).status).toBe(200);
    } finally {
      blocker.close();
    }
    // Back by itself, on the same address, within the back-off (0.5 + 1 + 2 + 4 + 8 s at most by now)
    for (const end = Date.now() + 30_000; ; await sleep(200)) {
      const res = await within(10_000, `${server.url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
      if (Date.now() > end) throw new Error('the database did not come back within 30 s');
    }
    paused = false;
    expect(embedded.pid).not.toBe(first);
    expect(alive(embedded.pid)).toBe(true);
    const before = acknowledged.length;
    while (acknowledged.length < before + 3) await sleep(20);
    writing = false;
    await writer;
    expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    for (const id of acknowledged) {
      const res = await within(10_000, `${server.base}/Patient/${id}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  });
});

it('leaves no database process when the server is killed by SIGKILL, with a client and its scans still on it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-dbwatch-kill-'));
  const port = await freePort();
  let child: ChildServer | undefined;
  try {
    child = await startChildServer({ MONGODB_URI: '', DATA_DIR: dir, EMBEDDED_DB_PORT: String(port) });
    // its launcher, by the data directory on its command line (looked for a while: /proc is read while others start)
    let pid: number | undefined;
    for (const end = Date.now() + 5000; pid === undefined && Date.now() < end; await sleep(100))
      pid = launcherOf(dir);
    expect(pid).toBeDefined();
    // A scan left running on the database, as a server's abandoned search would be.
    const client = await MongoClient.connect(`mongodb://127.0.0.1:${port}/?directConnection=true`);
    const c = client.db('scan').collection('docs');
    for (let i = 0; i < 3; i++)
      await c.insertMany(Array.from({ length: 2000 }, (_, j) => ({ n: i * 2000 + j, s: `text ${j}` })));
    const scans = Array.from({ length: 4 }, () =>
      c
        .find({ s: { $regex: 'never' } })
        .sort({ s: -1, n: 1 })
        .toArray()
        .catch(() => undefined),
    );
    await sleep(200);
    child.proc.kill('SIGKILL');
    await child.exited;
    // The launcher exits at most a second after its server is gone; the deadline only catches one that runs on.
    let gone = false;
    for (const end = Date.now() + 10_000; !gone && Date.now() < end; await sleep(100)) gone = !alive(pid!);
    expect(gone).toBe(true);
    await Promise.all(scans);
    await client.close(true);
  } finally {
    // a failed expectation must not leave the server running: jest would wait for it and never exit
    if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('starts on a full disk and serves reads; writes answer 507 and /readyz 503', async () => {
  // No small filesystem can be made here (no root): the free-space margin is set above the real free space, which
  // runs the real check (statfs of the data directory) rather than a stand-in.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-dbwatch-full-'));
  const env = { MONGODB_URI: '', DATA_DIR: dir, EMBEDDED_DB_PORT: '0', DB_NAME: 'full' };
  try {
    const roomy = await startTestServer(env);
    const created = await within(10_000, `${roomy.base}/Patient`, post());
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await roomy.running.close();
    const full = await startTestServer({ ...env, DISK_FREE_MARGIN: '1000000gb' });
    try {
      const read = await within(10_000, `${full.base}/Patient/${id}`);
      expect(read.status).toBe(200);
      await read.arrayBuffer();
      const search = await within(10_000, `${full.base}/Patient`);
      expect(search.status).toBe(200);
      await search.arrayBuffer();
      const write = await within(10_000, `${full.base}/Patient`, post());
      expect(write.status).toBe(507);
      expect(await write.json()).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'transient' }],
      });
      const update = await within(10_000, `${full.base}/Patient/${id}`, {
        ...post(),
        method: 'PUT',
        body: JSON.stringify({ ...patient, id }),
      });
      expect(update.status).toBe(507);
      await update.arrayBuffer();
      const ready = await within(5000, `${full.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ reason: expect.stringMatching(/disk/) });
    } finally {
      await full.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
