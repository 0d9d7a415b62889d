// The embedded database manager: cached build, free port fallback, no orphaned process, clear error without Go.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import {
  EmbeddedDbError,
  ensureFerretdbBuilt,
  ferretdbBinaryPath,
  startEmbeddedDb,
} from '../../src/storage/embedded-ferretdb';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitDead(pid: number, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (!alive(pid)) return true;
  }
  return false;
}

/** Our launcher processes in the process table (Linux /proc). */
function launcherPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('ferretdb-embedded');
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A process's arguments, from /proc (undefined once it is gone). */
function launcherArgs(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

let dir: string;
/** Every data directory this file gave a launcher: none of them may still be served at the end. */
const dirs: string[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-embedded-'));
  dirs.push(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('reuses the cached build without calling Go', () => {
  const bin = ferretdbBinaryPath();
  expect(fs.existsSync(bin)).toBe(true); // global setup built or found it
  const before = fs.statSync(bin).mtimeMs;
  const savedPath = process.env.PATH;
  process.env.PATH = '/nonexistent'; // no go on PATH: a rebuild attempt would throw
  try {
    expect(ensureFerretdbBuilt(() => undefined)).toBe(bin);
  } finally {
    process.env.PATH = savedPath;
  }
  expect(fs.statSync(bin).mtimeMs).toBe(before);
});

it('fails at once with a clear message when it must build and Go is missing', () => {
  const savedPath = process.env.PATH;
  const savedCache = process.env.XDG_CACHE_HOME;
  process.env.PATH = '/nonexistent';
  process.env.XDG_CACHE_HOME = dir; // an empty cache: a build is needed
  try {
    expect(() => ensureFerretdbBuilt(() => undefined)).toThrow(EmbeddedDbError);
    expect(() => ensureFerretdbBuilt(() => undefined)).toThrow(/install Go >= 1\.24.*MONGODB_URI/s);
  } finally {
    process.env.PATH = savedPath;
    if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCache;
  }
});

it('starts on a free port when the requested one is taken, answers a ping, and leaves no process', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const taken = (blocker.address() as net.AddressInfo).port;
  try {
    const db = await startEmbeddedDb({ dataDir: dir, port: taken });
    expect(new URL(db.uri).port).not.toBe(String(taken));
    const conn = await mongoose.createConnection(db.uri + 'x?directConnection=true').asPromise();
    await expect(conn.db!.admin().command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    await conn.close();
    expect(alive(db.pid)).toBe(true);
    await db.stop();
    expect(await waitDead(db.pid)).toBe(true);
    expect(launcherPids()).not.toContain(db.pid);
  } finally {
    blocker.close();
  }
});

it('keeps data in its directory across restarts', async () => {
  const first = await startEmbeddedDb({ dataDir: dir, port: 0 });
  let conn = await mongoose.createConnection(first.uri + 'keep?directConnection=true').asPromise();
  await conn.db!.collection('c').insertOne({ _id: 'a' as never, v: 1 });
  await conn.close();
  await first.stop();
  const second = await startEmbeddedDb({ dataDir: dir, port: 0 });
  conn = await mongoose.createConnection(second.uri + 'keep?directConnection=true').asPromise();
  expect(await conn.db!.collection('c').findOne({ _id: 'a' as never })).toMatchObject({ v: 1 });
  await conn.close();
  await second.stop();
});

it('answers a lookup by _id from its index, and finds, updates and deletes by _id as before', async () => {
  const db = await startEmbeddedDb({ dataDir: dir, port: 0 });
  const conn = await mongoose.createConnection(db.uri + 'idx?directConnection=true').asPromise();
  try {
    const c = conn.db!.collection<{ _id: string; v: number }>('c');
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `Patient/${i}`, v: i })));
    const plan = (filter: object): Promise<unknown> => conn.db!.command({ explain: { find: 'c', filter } });
    // The build-time patch 01-id-index-expression: without it this plan is a SCAN of the whole table.
    expect(JSON.stringify(await plan({ _id: 'Patient/7' }))).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
    expect(JSON.stringify(await plan({ v: 7 }))).toMatch(/SCAN/);
    // ... and so is `$in`, or `_id` beside other conditions, which FerretDB still applies itself afterwards.
    expect(JSON.stringify(await plan({ _id: { $in: ['Patient/7', 'Patient/9'] } }))).toMatch(
      /SEARCH \S+ USING INDEX \S+__id_/,
    );
    expect(JSON.stringify(await plan({ _id: 'Patient/7', v: { $lt: 8 } }))).toMatch(/SEARCH \S+ USING INDEX/);
    // ... and every _id with a prefix (a type's resources), written as the range of strings that start with it.
    await c.insertMany([
      { _id: 'Patient', v: -1 },
      { _id: 'Patient0', v: -2 },
      { _id: 'Patienu/1', v: -3 },
      { _id: 'Patient/ "quoted"', v: -4 },
      { _id: 'Patient/é', v: -5 },
    ]);
    const prefix = { _id: { $gte: 'Patient/', $lt: 'Patient0' } };
    expect(JSON.stringify(await plan(prefix))).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
    // ... as any range of strings is (tests/storage/id-order.test.ts); a bound JSON escapes is not handed down
    expect(JSON.stringify(await plan({ _id: { $gte: 'Patient/', $lt: 'Patient1' } }))).toMatch(/SEARCH/);
    expect(JSON.stringify(await plan({ _id: { $gte: 'Patient/<', $lt: 'Patient/>' } }))).toMatch(/SCAN/);
    expect((await c.find(prefix).toArray()).map((d) => d._id).sort()).toEqual(
      [...Array.from({ length: 50 }, (_, i) => `Patient/${i}`), 'Patient/ "quoted"', 'Patient/é'].sort(),
    );
    expect(await c.countDocuments({ ...prefix, v: { $lt: 0 } })).toBe(2);
    // a prefix ending in ":" (the journal's `write:`, a resource's `write:Type/id:`) has ";" for its upper bound
    await c.insertMany([
      { _id: 'write:Basic/a:1', v: -6 },
      { _id: 'write:Basic/a-2:1', v: -7 },
    ]);
    const journal = { _id: { $gte: 'write:Basic/a:', $lt: 'write:Basic/a;' } };
    expect(JSON.stringify(await plan(journal))).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
    expect((await c.find(journal).toArray()).map((d) => d._id)).toEqual(['write:Basic/a:1']);
    await c.deleteMany({ v: { $lt: 0 } });
    expect(await c.find({ _id: { $in: ['Patient/9', 'Patient/7', 'Patient/99'] } }).toArray()).toEqual([
      { _id: 'Patient/7', v: 7 },
      { _id: 'Patient/9', v: 9 },
    ]);
    expect(await c.findOne({ _id: 'Patient/7', v: { $lt: 7 } })).toBeNull();
    expect(await c.find({ _id: { $in: ['Patient/7', 'Patient/8'] }, v: 8 }).toArray()).toEqual([
      { _id: 'Patient/8', v: 8 },
    ]);
    expect(await c.countDocuments({ _id: { $in: ['Patient/1', 7 as never] } })).toBe(1);
    await c.updateMany({ _id: { $in: ['Patient/1', 'Patient/2'] } }, { $set: { v: -1 } });
    expect(await c.countDocuments({ v: -1 })).toBe(2);
    expect(await c.findOne({ _id: 'Patient/7' })).toEqual({ _id: 'Patient/7', v: 7 });
    expect(await c.findOne({ _id: 'Patient/70' })).toBeNull();
    await c.replaceOne({ _id: 'Patient/7' }, { v: 700 });
    expect(await c.findOne({ _id: 'Patient/7' })).toEqual({ _id: 'Patient/7', v: 700 });
    await c.deleteOne({ _id: 'Patient/8' });
    expect(await c.countDocuments({})).toBe(49);
    await expect(c.insertOne({ _id: 'Patient/9', v: 0 })).rejects.toMatchObject({ code: 11000 });
  } finally {
    await conn.close();
    await db.stop();
  }
});

it.each(['SIGKILL', 'SIGTERM', 'exit'])(
  'leaves no database process when its parent ends by %s',
  async (how) => {
    const script = `
    const { startEmbeddedDb } = require(${JSON.stringify(path.resolve(__dirname, '../../src/storage/embedded-ferretdb'))});
    startEmbeddedDb({ dataDir: ${JSON.stringify(dir)}, port: 0 }).then((db) => {
      console.log(db.pid);
      process.on('SIGTERM', () => db.stop().then(() => process.exit(0)));
      if (${JSON.stringify(how)} === 'exit') setTimeout(() => process.exit(0), 200);
      else setInterval(() => {}, 1000);
    });`;
    // A plain node parent that requires the TypeScript sources through a small transpiling hook.
    const child = spawn(
      process.execPath,
      ['-r', require.resolve('../../scripts/register-ts'), '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      child.once('exit', (code) => reject(new Error(`parent exited early: ${code}`)));
    });
    expect(alive(pid)).toBe(true);
    if (how !== 'exit') child.kill(how as NodeJS.Signals);
    await new Promise((r) => child.once('exit', r));
    expect(await waitDead(pid)).toBe(true);
  },
);

it('the process table shows no launcher started by this file still running', async () => {
  // A launcher names its data directory in its arguments; each test above gave one a directory of its own.
  const leftOver = () =>
    launcherPids().flatMap((pid) => {
      const args = launcherArgs(pid);
      return args && dirs.some((d) => args.includes(d)) ? [`${pid} ${args.join(' ')}`] : [];
    });
  for (const end = Date.now() + 10_000; leftOver().length > 0 && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 100));
  expect(leftOver()).toEqual([]);
  // and the check does see a launcher while there is one
  const db = await startEmbeddedDb({ dataDir: dir, port: 0 });
  try {
    expect(leftOver()).toEqual([expect.stringMatching(new RegExp(`^${db.pid} `))]);
  } finally {
    await db.stop();
  }
  expect(await waitDead(db.pid)).toBe(true);
  expect(leftOver()).toEqual([]);
});
