// REST core benchmark (http.html#create, http.html#read): ephr-fhir's create and read against the raw mongodb
// driver's insertOne and findOne of the same documents, on the same embedded FerretDB, in the same run.
import crypto from 'node:crypto';
import { MongoClient } from 'mongodb';
import { withCpu } from './support/cpu';
import { benchDb } from './support/db';
import { startBenchServer } from './support/fhir-server';
import { httpCreates, httpReads, httpReadsEach, pick } from './support/http-load';
import { benchResource, numbered, OBSERVATION, PATIENT, type BenchResource } from './support/resources';
import {
  breakdownTable,
  comparisonRows,
  baselineRow,
  restIntro,
  restNotes,
  sizesLine,
  TABLE_HEAD,
} from './support/rest-report';
import { profileRepository } from './support/round-trips';
import { layoutCreates } from './support/server-layout';
import type { CpuShare } from './support/cpu';
import { runConcurrent, type Sample } from './support/stats';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
/**
 * Counts sized for a run of about two minutes on 2 shared cores, long enough that each phase measures the steady
 * state: a server's first few hundred creates run code the JIT has not optimised yet.
 */
export const SETTINGS = {
  creates: env('BENCH_REST_CREATES', 1000),
  reads: env('BENCH_REST_READS', 3000),
  connections: env('BENCH_REST_CONNECTIONS', 10),
  /** Creates and reads of each resource type, on both sides, before its figures. */
  warmup: env('BENCH_REST_WARMUP', 300),
  /** Operations one at a time for the breakdown (Patient only). */
  profileCreates: env('BENCH_REST_PROFILE_CREATES', 50),
  profileReads: env('BENCH_REST_PROFILE_READS', 200),
  /** No phase issues new operations after this many ms (the table then shows the smaller count). */
  phaseDeadlineMs: env('BENCH_REST_PHASE_DEADLINE_MS', 30_000),
};
const DRIVER_DB = 'bench_driver';
const SERVER_DB = 'bench_rest';
const LAYOUT_DB = 'bench_layout';
const FRONT_DB = 'bench_front';
/** Warm-up bodies are numbered from here, so that the measured creates' identifiers are new (resources.ts). */
const WARMUP_N = 1_000_000;

/** What the server stores for a create: the body with its id and server meta (src/storage/stamp.ts). */
function driverDoc(r: BenchResource, id: string, n: number): { _id: string; [k: string]: unknown } {
  const tree = JSON.parse(numbered(r.json, n)) as { meta?: Record<string, unknown> };
  const meta = { versionId: '1', lastUpdated: new Date().toISOString(), ...tree.meta };
  return { _id: id, ...tree, id, meta };
}

function driverInserts(client: MongoClient, r: BenchResource, n: number, c: number, ids: string[]) {
  const coll = client.db(DRIVER_DB).collection<{ _id: string; [k: string]: unknown }>(r.type);
  let sent = 0;
  return runConcurrent(
    n,
    c,
    async () => {
      const id = crypto.randomUUID();
      await coll.insertOne(driverDoc(r, id, sent++));
      ids.push(id);
    },
    SETTINGS.phaseDeadlineMs,
  );
}

function driverFinds(client: MongoClient, type: string, ids: string[], n: number, c: number) {
  const coll = client.db(DRIVER_DB).collection<{ _id: string }>(type);
  return runConcurrent(
    n,
    c,
    async () => {
      if (!(await coll.findOne({ _id: pick(ids) }))) throw new Error('not found');
    },
    SETTINGS.phaseDeadlineMs,
  );
}

async function collectionSizes(client: MongoClient): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const dbName of [SERVER_DB, DRIVER_DB]) {
    for (const c of await client.db(dbName).listCollections({}, { nameOnly: true }).toArray()) {
      out[`${dbName}.${c.name}`] = await client.db(dbName).collection(c.name).countDocuments();
    }
  }
  return out;
}

export async function bench(): Promise<string> {
  const s = SETTINGS;
  const db = await benchDb();
  const resources = [benchResource(PATIENT), benchResource(OBSERVATION)];
  const server = await startBenchServer(db.uri, SERVER_DB);
  const front = await startBenchServer(db.uri, FRONT_DB, 'http-front');
  const client = new MongoClient(db.uri, { directConnection: true });
  await client.connect();
  const pids = { client: process.pid, server: server.pid, ferretdb: db.pid };
  const driverPids = { client: process.pid, ferretdb: db.pid };
  const rows: string[] = [];
  const created = new Map<string, { server: string[]; driverRead: Sample & { cpu: CpuShare } }>();
  const stored: Record<string, number> = {};
  const warmIds = new Map<string, string[]>();
  const seq: Record<string, Sample & { cpu: CpuShare }> = {};
  let sizes: Record<string, number> = {};
  try {
    // Warm-up (JIT, connection pools, SQLite tables) with the same documents: in no figure.
    for (const r of resources) {
      const warm = await httpCreates(
        server.url,
        r.type,
        (n) => numbered(r.json, WARMUP_N + n),
        s.warmup,
        s.connections,
      );
      await httpReads(server.url, r.type, warm.ids, s.warmup, s.connections);
      warmIds.set(r.type, warm.ids);
      const ids: string[] = [];
      await driverInserts(client, { ...r, type: `Warmup${r.type}` }, s.warmup, s.connections, ids);
      await driverFinds(client, `Warmup${r.type}`, ids, s.warmup, s.connections);
      await layoutCreates(client, LAYOUT_DB, r, WARMUP_N, s.warmup, s.connections, s.phaseDeadlineMs)();
      await httpCreates(front.url, r.type, (n) => numbered(r.json, WARMUP_N + n), s.warmup, s.connections);
    }

    for (const r of resources) {
      let serverIds: string[] = [];
      const driverIds: string[] = [];
      const measuredCreates = (url: string) =>
        httpCreates(url, r.type, (n) => numbered(r.json, n), s.creates, s.connections, s.phaseDeadlineMs);
      const srvCreate = await withCpu(pids, async () => {
        const out = await measuredCreates(server.url);
        serverIds = out.ids;
        return out.sample;
      });
      const drvCreate = await withCpu(driverPids, () =>
        driverInserts(client, r, s.creates, s.connections, driverIds),
      );
      const layout = layoutCreates(client, LAYOUT_DB, r, 0, s.creates, s.connections, s.phaseDeadlineMs);
      const layoutCreate = await withCpu(driverPids, layout);
      const frontCreate = await withCpu(
        { ...pids, server: front.pid },
        async () => (await measuredCreates(front.url)).sample,
      );
      const srvRead = await withCpu(pids, () =>
        httpReads(server.url, r.type, serverIds, s.reads, s.connections, s.phaseDeadlineMs),
      );
      const drvRead = await withCpu(driverPids, () =>
        driverFinds(client, r.type, driverIds, s.reads, s.connections),
      );
      rows.push(
        ...comparisonRows(r, 'create', srvCreate, drvCreate),
        baselineRow(r, "driver, the server's documents", layoutCreate, drvCreate),
        baselineRow(r, 'bare node:http + insertOne', frontCreate, drvCreate),
        ...comparisonRows(r, 'read', srvRead, drvRead),
      );
      created.set(r.type, { server: serverIds, driverRead: drvRead });
      const one = await fetch(`${server.url}/fhir/${r.type}/${pick(serverIds)}`);
      stored[r.type] = Buffer.byteLength(await one.text());
    }
    // A second server process on the same database has seen none of these resources: each read is its first.
    // It is warmed up (JIT) on the warm-up resources, which are not among them.
    const second = await startBenchServer(db.uri, SERVER_DB);
    try {
      for (const r of resources) {
        await httpReadsEach(second.url, r.type, warmIds.get(r.type) ?? [], s.connections, s.phaseDeadlineMs);
      }
      for (const r of resources) {
        const { server: ids, driverRead } = created.get(r.type)!;
        const first = await withCpu({ ...pids, server: second.pid }, () =>
          httpReadsEach(second.url, r.type, ids, s.connections, s.phaseDeadlineMs),
        );
        rows.push(comparisonRows(r, 'first read', first, driverRead)[0]!);
      }
    } finally {
      await second.stop();
    }
    sizes = await collectionSizes(client);

    // One operation at a time, for the breakdown: HTTP and driver on the same Patient documents.
    const p = resources[0]!;
    let seqIds: string[] = [];
    const seqDriverIds: string[] = [];
    seq.httpCreate = await withCpu(pids, async () => {
      const out = await httpCreates(
        server.url,
        p.type,
        (n) => numbered(p.json, s.creates + n),
        s.profileCreates,
        1,
        s.phaseDeadlineMs,
      );
      seqIds = out.ids;
      return out.sample;
    });
    seq.driverCreate = await withCpu(driverPids, () =>
      driverInserts(client, p, s.profileCreates, 1, seqDriverIds),
    );
    seq.httpRead = await withCpu(pids, () =>
      httpReads(server.url, p.type, seqIds, s.profileReads, 1, s.phaseDeadlineMs),
    );
    seq.driverRead = await withCpu(driverPids, () =>
      driverFinds(client, p.type, seqDriverIds, s.profileReads, 1),
    );
  } finally {
    await client.close();
    await Promise.all([server.stop(), front.stop()]);
  }
  const p = resources[0]!;
  const profile = await profileRepository(db.uri, db.pid, SERVER_DB, p, s.profileCreates, s.profileReads);
  return [
    restIntro(s, resources, stored),
    TABLE_HEAD,
    ...rows,
    '',
    sizesLine(sizes),
    '',
    breakdownTable(p, seq, profile),
    restNotes(),
  ].join('\n');
}
