// Transaction Bundle benchmark (http.html#transaction): time and server memory for transactions of 10, 100 and
// 1,000 entries (a Patient, Encounters and Observations linked by urn:uuid), through HTTP against a server child
// process on the embedded FerretDB. Target (issue 6): a 1,000-entry transaction in under 2 s.
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openServer } from '../src/server';
import { benchDb } from './support/db';
import { int, ms } from './support/stats';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
export const SETTINGS = {
  sizes: (process.env.BENCH_TX_SIZES ?? '10,100,1000').split(',').map(Number),
  repetitions: env('BENCH_TX_REPETITIONS', 3),
};
const CHILD_FLAG = 'EPHR_BENCH_TRANSACTION_SERVER';
const SERVER_DB = 'bench_transaction';

interface Memory {
  rss: number;
  heapUsed: number;
  /** Largest heapUsed sampled since the last reset. */
  peakHeap: number;
  /** The kernel's peak RSS since the last reset (VmHWM), when it can be read. */
  peakRss: number | undefined;
}

/** One transaction Bundle of `n` entries: one Patient, then Encounters and Observations in turn, by urn:uuid. */
export function transactionBundle(n: number): string {
  const patient = `urn:uuid:${crypto.randomUUID()}`;
  const entry: object[] = [
    {
      fullUrl: patient,
      resource: {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:bench:tx', value: crypto.randomUUID() }],
        name: [{ family: 'Haddad', given: ['Amal'] }],
        gender: 'female',
        birthDate: '1991-04-02',
      },
      request: { method: 'POST', url: 'Patient' },
    },
  ];
  let encounter = patient;
  for (let i = 1; i < n; i++) {
    const fullUrl = `urn:uuid:${crypto.randomUUID()}`;
    if (i % 5 === 1) {
      encounter = fullUrl;
      entry.push({
        fullUrl,
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject: { reference: patient },
          period: { start: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T09:00:00Z` },
        },
        request: { method: 'POST', url: 'Encounter' },
      });
    } else {
      entry.push({
        fullUrl,
        resource: {
          resourceType: 'Observation',
          status: 'final',
          category: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                  code: 'vital-signs',
                },
              ],
            },
          ],
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
          subject: { reference: patient },
          encounter: { reference: encounter },
          effectiveDateTime: '2024-01-15T09:30:00Z',
          valueQuantity: {
            value: 60 + (i % 40),
            unit: '/min',
            system: 'http://unitsofmeasure.org',
            code: '/min',
          },
        },
        request: { method: 'POST', url: 'Observation' },
      });
    }
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

interface Run {
  ms: number;
  before: Memory;
  after: Memory;
}

export async function bench(): Promise<string> {
  const db = await benchDb();
  const server = await startServer(db.uri);
  const rows: string[] = [];
  try {
    await post(server.url, transactionBundle(10)); // warm-up: validator, search index, connections
    for (const n of SETTINGS.sizes) {
      const body = transactionBundle(n);
      const runs: Run[] = [];
      for (let r = 0; r < SETTINGS.repetitions; r++) {
        const fresh = transactionBundle(n); // new identifiers and urn:uuids each time, the same shape and size
        const before = await server.memory(true);
        const t0 = performance.now();
        await post(server.url, fresh);
        const elapsed = performance.now() - t0;
        runs.push({ ms: elapsed, before, after: await server.memory(false) });
      }
      const times = runs.map((x) => x.ms);
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      const mb = (b: number | undefined): string => (b === undefined ? 'n/a' : (b / 1048576).toFixed(0));
      const maxOf = (f: (x: Run) => number | undefined): number | undefined => {
        const v = runs.map(f).filter((x): x is number => x !== undefined);
        return v.length === 0 ? undefined : Math.max(...v);
      };
      rows.push(
        `| ${int(n)} | ${int(Buffer.byteLength(body))} | ${SETTINGS.repetitions} | ${ms(mean)} | ${ms(Math.min(...times))} | ${ms(Math.max(...times))} | ${int((n * 1000) / mean)} | ` +
          `${mb(runs[0]!.before.rss)} → ${mb(runs[runs.length - 1]!.after.rss)} (peak ${mb(maxOf((x) => x.after.peakRss))}) | ` +
          `${mb(runs[0]!.before.heapUsed)} → ${mb(runs[runs.length - 1]!.after.heapUsed)} (peak ${mb(maxOf((x) => x.after.peakHeap))}) |`,
      );
    }
  } finally {
    await server.stop();
  }
  const thousand = rows.find((r) => r.startsWith('| 1,000 '));
  return [
    '## transaction',
    '',
    `Transaction Bundles through \`POST /fhir\` (HTTP, one at a time) against an ephr-fhir server in a child process on the embedded FerretDB (SQLite). Each Bundle: one Patient, then Encounters and Observations in turn (1 Encounter per 4 Observations), all linked by \`urn:uuid:\`, every entry a POST; new identifiers each repetition. Times are the whole HTTP exchange (parse, validate every entry, rewrite references, commit, current view). Memory is the server process: RSS and V8 heap used before the first and after the last repetition; peak RSS is the kernel's high-water mark (VmHWM, reset before each repetition), peak heap is sampled every 10 ms. Target: 1,000 entries in under 2 s${thousand ? '' : ' (not measured this run)'}.`,
    '',
    '| entries | bytes per Bundle | runs | mean ms | min ms | max ms | entries/s | server RSS MB | server heap MB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/fhir`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`transaction answered ${res.status}: ${text.slice(0, 300)}`);
}

interface TxServer {
  url: string;
  memory(reset: boolean): Promise<Memory>;
  stop(): Promise<void>;
}

/** The server in a child process (this file, with CHILD_FLAG set), which reports its memory over IPC. */
async function startServer(uri: string): Promise<TxServer> {
  const child = fork(__filename, [], {
    env: {
      ...process.env,
      [CHILD_FLAG]: '1',
      PORT: '0',
      MONGODB_URI: uri,
      DB_NAME: SERVER_DB,
      LOG_LEVEL: 'silent',
      // the benchmarks measure storage and search; the access rules' cost is bench/access.ts's
      DEV_UNAUTHENTICATED: 'loopback',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number }) =>
      typeof m.port === 'number' ? resolve(m.port) : reject(new Error('no port')),
    );
    child.once('exit', (code) => reject(new Error(`the benchmark server exited at start (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    memory: (reset) => ask(child, reset),
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', kill);
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

function ask(child: ChildProcess, reset: boolean): Promise<Memory> {
  return new Promise((resolve) => {
    child.once('message', (m: Memory) => resolve(m));
    child.send(reset ? 'reset' : 'memory');
  });
}

/** Child side: the server, and its memory on request. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const running = await openServer(config, pino({ level: 'silent' }));
  let peakHeap = process.memoryUsage().heapUsed;
  setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10).unref();
  const hwm = (): number | undefined => {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  };
  process.on('message', (m) => {
    if (m === 'stop') void running.close().then(() => process.exit(0));
    if (m !== 'reset' && m !== 'memory') return;
    const now = process.memoryUsage();
    if (m === 'reset') {
      peakHeap = now.heapUsed;
      try {
        fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
      } catch {
        // not Linux, or not allowed: the peak is then the process's lifetime peak
      }
    }
    let peakRss: number | undefined;
    try {
      peakRss = hwm();
    } catch {
      peakRss = undefined;
    }
    process.send?.({ rss: now.rss, heapUsed: now.heapUsed, peakHeap, peakRss } satisfies Memory);
  });
  process.on('disconnect', () => void running.close().then(() => process.exit(0)));
  process.send?.({ port: running.port });
}

if (process.env[CHILD_FLAG] === '1') {
  serve().catch((err: unknown) => {
    process.stderr.write(
      `bench transaction server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
