// Access control and audit benchmark (issue 16): what the bearer token, the guarded context (scopes, GBV
// segmentation, clinic, Consent) and the audit record cost a read, a search and a create, against the development
// caller and the raw mongodb driver on the same embedded FerretDB in the same run; then the audit trail alone
// (appends per second, bytes per record) and `ephr-fhir audit verify` time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { withCpu } from './support/cpu';
import { benchDb } from './support/db';
import { freePort, startBenchServer, type BenchServer } from './support/fhir-server';
import { httpCreates, httpGets, httpReads, httpReadsEach, pick } from './support/http-load';
import {
  clinicResources,
  FAMILIES,
  heartRate,
  loadTransactions,
  patientId,
  sharedTargets,
  type DataShape,
} from './support/access-data';
import {
  appendTable,
  REQUEST_HEAD,
  requestRow,
  sizeTable,
  verifyLine,
  mergeMeasured,
  type Measured,
  type Row,
} from './support/access-report';
import { appendRates, recordSizes, sampleEvents, verifyInProcess } from './support/audit-bench';
import { BackendClient, ephrFhir, type CliDatabase } from './support/smart-client';
import { accessNotes, accessIntro, checkRules } from './support/access-checks';
import { int, runConcurrent, type Sample } from './support/stats';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
/** Sized for a run of a few minutes on 2 shared cores; the phase deadline cuts the slow rows (the table says). */
export const SETTINGS = {
  patients: env('BENCH_ACCESS_PATIENTS', 200),
  denying: env('BENCH_ACCESS_DENYING', 10),
  opening: env('BENCH_ACCESS_OPENING', 10),
  reads: env('BENCH_ACCESS_READS', 3000),
  searches: env('BENCH_ACCESS_SEARCHES', 2000),
  creates: env('BENCH_ACCESS_CREATES', 1000),
  warmup: env('BENCH_ACCESS_WARMUP', 200),
  appends: env('BENCH_ACCESS_APPENDS', 3000),
  phaseDeadlineMs: env('BENCH_ACCESS_PHASE_DEADLINE_MS', 8000),
};
const SERVER_DB = 'bench_access';
const DRIVER_DB = 'bench_access_driver';
const APPEND_DB = 'bench_access_append';
const SCOPE = 'user/*.cruds';
/** Rounds per cell (see the measuring loop). */
const ROUNDS = 3;

interface Caller {
  name: string;
  server: BenchServer;
  headers(): Promise<Record<string, string>>;
  /** Patients its creates are about (its own clinic's). */
  own: string[];
}

type Op = 'read' | 'search subject' | 'search family' | 'create';
const OPS: Op[] = ['read', 'search subject', 'search family', 'create'];

function opLabel(op: Op): string {
  return {
    read: '`GET Observation/id`',
    'search subject': '`GET Observation?subject=Patient/x`',
    'search family': '`GET Patient?family=…`',
    create: '`POST Observation`',
  }[op];
}

export async function bench(): Promise<string> {
  const s = SETTINGS;
  const shape: DataShape = { patients: s.patients, denying: s.denying, opening: s.opening };
  const db = await benchDb();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-bench-keys-'));
  const cliDb: CliDatabase = { mongodbUri: db.uri, dbName: SERVER_DB, dataDir };
  const client = new MongoClient(db.uri, { directConnection: true });
  await client.connect();
  await client.db(SERVER_DB).dropDatabase();
  await client.db(DRIVER_DB).dropDatabase();
  const servers: BenchServer[] = [];
  try {
    // Clients as an operator registers them, before any server runs (the CLI opens the database itself).
    const clinicA = await BackendClient.register(cliDb, {
      clientId: 'bench-clinic-a',
      clinic: 'clinic-a',
      scope: SCOPE,
      roles: ['gbv-care'],
    });
    const clinicB = await BackendClient.register(cliDb, {
      clientId: 'bench-clinic-b',
      clinic: 'clinic-b',
      scope: SCOPE,
      roles: [],
    });
    const secured = await startBenchServer(db.uri, SERVER_DB, 'server-process', {
      devUnauthenticated: false,
      port: await freePort(),
      dataDir,
    });
    servers.push(secured);
    const dev = await startBenchServer(db.uri, SERVER_DB, 'server-process', { dataDir });
    servers.push(dev);

    const loadStart = performance.now();
    const resourcesA = clinicResources('clinic-a', shape);
    const resourcesB = clinicResources('clinic-b', shape);
    await loadTransactions(secured.url, resourcesA, await clinicA.header(secured.url));
    await loadTransactions(secured.url, resourcesB, await clinicB.header(secured.url));
    const loadMs = performance.now() - loadStart;
    const checks = await checkRules(secured.url, dev.url, shape, {
      a: await clinicA.header(secured.url),
      b: await clinicB.header(secured.url),
    });

    const targets = sharedTargets(shape);
    const ownOf = (c: 'clinic-a' | 'clinic-b'): string[] =>
      Array.from({ length: s.patients }, (_, i) => patientId(c, i));
    const callers: Caller[] = [
      {
        name: 'development (no token)',
        server: dev,
        headers: () => Promise.resolve({}),
        own: ownOf('clinic-a'),
      },
      {
        name: 'clinic A, gbv-care',
        server: secured,
        headers: () => clinicA.header(secured.url),
        own: ownOf('clinic-a'),
      },
      {
        name: 'clinic B',
        server: secured,
        headers: () => clinicB.header(secured.url),
        own: ownOf('clinic-b'),
      },
    ];

    // The driver's copy of the Observations every caller reads.
    const driverColl = client.db(DRIVER_DB).collection<{ _id: string }>('Observation');
    const driverDoc = (id: string, subject: string) => ({
      _id: id,
      ...heartRate(subject, id),
      meta: { versionId: '1', lastUpdated: new Date().toISOString() },
    });
    await driverColl.insertMany(targets.observations.map((id) => driverDoc(id, 'x')));
    let driverCreated = 0;

    const run = async (
      op: Op,
      c: number,
      caller: Caller,
      amount: number,
      d = s.phaseDeadlineMs,
    ): Promise<Sample> => {
      const { url } = caller.server;
      const headers = await caller.headers();
      if (op === 'read') return httpReads(url, 'Observation', targets.observations, amount, c, d, headers);
      if (op === 'search subject')
        return httpGets(
          url,
          () => `/fhir/Observation?subject=Patient/${pick(targets.patients)}`,
          amount,
          c,
          d,
          headers,
        );
      if (op === 'search family')
        return httpGets(url, () => `/fhir/Patient?family=${pick(FAMILIES)}`, amount, c, d, headers);
      const body = (): string => JSON.stringify(heartRate(pick(caller.own)));
      return (await httpCreates(url, 'Observation', body, amount, c, d, headers)).sample;
    };
    const amountOf = (op: Op): number => (op === 'read' ? s.reads : op === 'create' ? s.creates : s.searches);
    const driverRun = (op: 'read' | 'create', c: number, n: number, d: number): Promise<Sample> =>
      op === 'read'
        ? runConcurrent(
            n,
            c,
            async () => {
              if (!(await driverColl.findOne({ _id: pick(targets.observations) })))
                throw new Error('not found');
            },
            d,
          )
        : runConcurrent(n, c, () => driverColl.insertOne(driverDoc(`drv-${driverCreated++}`, 'x')), d);

    // Warm-up (JIT, pools, each server's resource cache: every read target once): in no figure.
    for (const caller of callers) {
      await httpReadsEach(
        caller.server.url,
        'Observation',
        targets.observations,
        10,
        60_000,
        await caller.headers(),
      );
      for (const op of OPS) await run(op, 10, caller, s.warmup);
    }
    await driverRun('read', 10, s.warmup, s.phaseDeadlineMs);

    const entries = await searchEntries(callers, targets.patients);
    const rows: Row[] = [];
    const pids = (server: BenchServer) => ({ client: process.pid, server: server.pid, ferretdb: db.pid });
    // Each cell (operation, connections) runs in ROUNDS rounds, each caller in turn with a share of the requests and
    // of the deadline: a change in the machine's load during a cell falls on every caller alike.
    const cells: Array<{ op: Op; c: number }> = OPS.flatMap((op) => [10, 1].map((c) => ({ op, c })));
    for (const { op, c } of cells) {
      const who = [
        ...callers.map((caller) => ({
          name: caller.name,
          pids: pids(caller.server),
          work: (n: number, d: number) => run(op, c, caller, n, d),
        })),
        ...(op === 'read' || op === 'create'
          ? [
              {
                name: op === 'read' ? 'driver `findOne`' : 'driver `insertOne`',
                pids: { client: process.pid, ferretdb: db.pid },
                work: (n: number, d: number) => driverRun(op, c, n, d),
              },
            ]
          : []),
      ];
      const parts = who.map((): Measured[] => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, w] of who.entries()) {
          const n = Math.ceil(amountOf(op) / ROUNDS);
          parts[i]!.push(await withCpu(w.pids, () => w.work(n, s.phaseDeadlineMs / ROUNDS)));
        }
      }
      const measured = parts.map(mergeMeasured);
      for (const [i, w] of who.entries()) {
        rows.push({
          op: opLabel(op),
          caller: w.name,
          connections: c,
          m: measured[i]!,
          base: measured[0]!,
          entries: entries.get(`${op}|${w.name}`),
        });
      }
    }
    for (const server of servers.splice(0)) await server.stop();

    // The audit trail alone, with no server running.
    const serverDb = client.db(SERVER_DB);
    const sizes = await recordSizes(serverDb);
    const events = await sampleEvents(serverDb, 500);
    const appends = await appendRates(client, APPEND_DB, events, s.appends, s.phaseDeadlineMs * 2, {
      client: process.pid,
      ferretdb: db.pid,
    });
    const inProcess = await verifyInProcess(serverDb);
    const cliStartMs = ephrFhir(cliDb, ['clients', 'list']).ms;
    const cli = ephrFhir(cliDb, ['audit', 'verify']);
    const cliCount = Number(/audit chain ok: (\d+) events/.exec(cli.stdout)?.[1] ?? NaN);

    return [
      accessIntro(s, shape, resourcesA.length + resourcesB.length, loadMs),
      checks,
      '',
      REQUEST_HEAD,
      ...rows.map(requestRow),
      '',
      '### The audit trail alone',
      '',
      `${int(events.length)} AuditEvents the server recorded above (the newest), stored again through`,
      '`AuditLog` (src/storage/audit-log.ts) into an empty collection, in the benchmark process with no server',
      `running; up to ${int(s.appends)} appends per row. Then the same records inserted with \`insertOne\` without`,
      'waiting for one another, and a group commit (see the notes).',
      '',
      appendTable(appends),
      '',
      `Group commit's chain verified by \`AuditLog.verify\`: ${appends.groupedVerified ? 'whole' : 'NOT whole'}.`,
      '',
      `Records in the server's audit collection after the phases above (${int(sizes.count)}, read in`,
      `${ms0(sizes.readMs)} ms):`,
      '',
      sizeTable(sizes),
      '',
      verifyLine({ cli: { ms: cli.ms, count: cliCount }, inProcess, cliStartMs }),
      '',
      accessNotes(rows, appends),
    ].join('\n');
  } finally {
    for (const server of servers) await server.stop();
    await client
      .db(APPEND_DB)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms0 = (v: number): string => int(v);

/** Mean entries of a search answer per operation and caller, from 20 searches each (before the figures). */
async function searchEntries(callers: Caller[], patients: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const caller of callers) {
    const headers = { accept: 'application/fhir+json', ...(await caller.headers()) };
    for (const [op, q] of [
      ['search subject', (i: number) => `Observation?subject=Patient/${patients[i % patients.length]!}`],
      ['search family', (i: number) => `Patient?family=${FAMILIES[i % FAMILIES.length]!}`],
    ] as const) {
      let n = 0;
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${caller.server.url}/fhir/${q(i * 7)}`, { headers });
        const b = (await res.json()) as { entry?: Array<{ search?: { mode?: string } }> };
        n += (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').length;
      }
      out.set(`${op}|${caller.name}`, n / 20);
    }
  }
  return out;
}
