// The markdown of the REST benchmark: setup, the server-versus-driver table and the breakdown of one operation.
import type { CpuShare } from './cpu';
import type { BenchResource } from './resources';
import type { OpProfile } from './round-trips';
import { figures, int, ms, overhead, type Sample } from './stats';

/** The server may add at most this much to the driver's time (issue 3). */
export const TARGET = 0.5;

type Measured = Sample & { cpu: CpuShare };

export interface Settings {
  creates: number;
  reads: number;
  connections: number;
  warmup: number;
  profileCreates: number;
  profileReads: number;
}

export function restIntro(s: Settings, resources: BenchResource[], stored: Record<string, number>): string {
  const sizes = resources
    .map(
      (r) => `${r.type} ${int(r.bytes)} B as sent, ${int(stored[r.type] ?? NaN)} B as stored and read back`,
    )
    .join('; ');
  return [
    '## REST core: create and read, ephr-fhir vs the raw mongodb driver',
    '',
    'An ephr-fhir server (`openServer`, LOG_LEVEL silent, in a child process of its own, reached on 127.0.0.1)',
    'and the raw `mongodb` driver (in the benchmark process) use the same embedded FerretDB 1.24.2 (SQLite',
    `backend, temporary directory). Per resource type: ${int(s.creates)} creates (HTTP POST / driver \`insertOne\`),`,
    `then ${int(s.reads)} reads (HTTP GET / driver \`findOne\` by \`_id\`) of ids drawn at random from the ones just`,
    `created, with ${s.connections} connections (HTTP, autocannon 8) or ${s.connections} operations in flight (driver);`,
    'then a second server process reads each created resource once ("first read").',
    'The driver stores the same resource as a document with `_id`, `id` and the same `meta`. Each create numbers',
    "the resource's identifier values (`-0`, `-1`, ...), on both sides: each migrant has registration numbers of",
    'their own.',
    `Resource size: ${sizes}. Warm-up first (${s.warmup} creates and reads of each type on both sides, in no figure).`,
    'The write pipeline is the full one: shape check, validation against the R4 definitions, search indexing.',
    'Latencies are per operation as the client sees it, in ms; ops/s is completed operations over wall time;',
    'CPU is the CPU time each process used during the phase divided by the operations (from /proc).',
    `Target: the server adds at most ${TARGET * 100} % to the driver's time (mean latency, same concurrency).`,
    '',
  ].join('\n');
}

export const TABLE_HEAD = [
  '| Resource | Operation | Client | Done | Errors | ops/s | p50 ms | p99 ms | mean ms | CPU ms/op: client / server / FerretDB | Server vs driver: mean (p50) |',
  '|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
].join('\n');

const cpuCell = (c: CpuShare): string =>
  [c.client, c.server, c.ferretdb].map((v) => (v === undefined ? '–' : ms(v))).join(' / ');

function line(r: BenchResource, op: string, client: string, m: Measured, vs: string): string {
  const f = figures(m);
  return `| ${r.type} | ${op} | ${client} | ${int(f.count)} | ${f.errors} | ${int(f.perSecond)} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.mean)} | ${cpuCell(m.cpu)} | ${vs} |`;
}

export function comparisonRows(
  r: BenchResource,
  op: 'create' | 'read' | 'first read',
  server: Measured,
  driver: Measured,
): string[] {
  const [s, d] = [figures(server), figures(driver)];
  const met = s.mean <= d.mean * (1 + TARGET) ? 'within target' : 'over target';
  const vs = `${overhead(s.mean, d.mean)} (${overhead(s.p50, d.p50)}), ${met}`;
  const drv = op === 'create' ? 'driver insertOne' : 'driver findOne';
  return [line(r, op, 'ephr-fhir HTTP', server, vs), line(r, op, drv, driver, '')];
}

/**
 * A create row set against the driver's insertOne, not the target, measuring one part of the server's cost: the
 * server's documents inserted by the driver (server-layout.ts), or the bare HTTP front (http-front.ts).
 */
export function baselineRow(r: BenchResource, client: string, m: Measured, driver: Measured): string {
  const [f, d] = [figures(m), figures(driver)];
  return line(
    r,
    'create',
    client,
    m,
    `${overhead(f.mean, d.mean)} (${overhead(f.p50, d.p50)}) over insertOne`,
  );
}

export function sizesLine(sizes: Record<string, number>): string {
  const list = Object.entries(sizes)
    .map(([name, n]) => `\`${name}\` ${int(n)}`)
    .join(', ');
  return `Documents per collection after these phases: ${list}.`;
}

const mean = (s: Sample | undefined): number => (s ? figures(s).mean : NaN);
const cpu = (s: Measured | undefined, who: string): string => ms(s?.cpu[who] ?? NaN);

export function breakdownTable(
  r: BenchResource,
  seq: Record<string, Measured>,
  profile: { create: OpProfile; read: OpProfile },
): string {
  const { create, read } = profile;
  const trips = (p: OpProfile): string =>
    `${p.commands.reduce((n, c) => n + c.perOp, 0).toFixed(1)} in ${ms(p.dbMsPerOp)}`;
  const rows: Array<[string, string, string]> = [
    ['ephr-fhir over HTTP (1 connection): latency', ms(mean(seq.httpCreate)), ms(mean(seq.httpRead))],
    ['… CPU in the ephr-fhir server process', cpu(seq.httpCreate, 'server'), cpu(seq.httpRead, 'server')],
    ['… CPU in FerretDB', cpu(seq.httpCreate, 'ferretdb'), cpu(seq.httpRead, 'ferretdb')],
    ['Raw driver `insertOne` / `findOne`: latency', ms(mean(seq.driverCreate)), ms(mean(seq.driverRead))],
    ['… CPU in FerretDB', cpu(seq.driverCreate, 'ferretdb'), cpu(seq.driverRead, 'ferretdb')],
    ['Server `Repository.write` / `read` in-process: latency', ms(mean(create.repo)), ms(mean(read.repo))],
    ['… database round trips: count, in ms (driver-timed)', trips(create), trips(read)],
    [
      '… CPU of the calling process (repository + driver)',
      cpu(create.repo, 'client'),
      cpu(read.repo, 'client'),
    ],
    ['… CPU in FerretDB', cpu(create.repo, 'ferretdb'), cpu(read.repo, 'ferretdb')],
  ];
  const commands = (p: OpProfile): string =>
    p.commands.map((c) => `${c.command} ×${c.perOp.toFixed(2)} (${ms(c.meanMs)} ms)`).join(', ');
  return [
    `### Where the time goes (${r.type}, one operation at a time, mean ms per operation)`,
    '',
    `${int(create.repo.count)} creates and ${int(read.repo.count)} reads each way, sequentially, on the same`,
    'database after the phases above (HTTP, then driver, then `Repository`, so each sees slightly larger',
    "collections than the one before). The `Repository` rows drive the server's own storage class in-process",
    "(configured as on FerretDB) with the driver's command monitoring timing every database command.",
    '',
    '| Part | create | read |',
    '|---|--:|--:|',
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    `Database commands per create: ${commands(create)}.`,
    '',
    `Database commands per read: ${commands(read)}.`,
    '',
  ].join('\n');
}

/** How to read the figures: what FerretDB does with each query shape (checked with `explain` on 1.24.2). */
export function restNotes(): string {
  return [
    '### Reading these figures',
    '',
    '- The embedded FerretDB is built with fixes (`scripts/ferretdb/patches/`): its SQLite `_id` filter is written as its `_id`',
    '  index expression, and the `_id` part of any filter (one value or `$in`) is handed to SQLite, so lookups by',
    '  `_id` (every command of a create and a read here) use the index; any other filter makes FerretDB fetch and',
    '  decode every document of the collection in Go. Concurrent writes queue on a mutex instead of sleeping in',
    "  SQLite's busy handler (1 to 15 ms a try), which also took the driver rows' p99 from about 130 ms to about",
    '  20 ms. On FerretDB the server keeps no other index (each would slow every write and none is read). On',
    '  MongoDB these are index lookups too, but these figures say nothing about its speed.',
    '- "driver, the server\'s documents" inserts what a create stores (journal entry and the keys of the ordered',
    '  search index, version with its text, current view with its search entries), built before the clock starts, in the',
    "  server's order and with its grouping of concurrent commands (`src/storage/coalesce.ts`), from the benchmark",
    "  process. Its distance to insertOne is the storage layout's cost; its distance to the server row is the",
    "  server's own work (HTTP, validation, search indexing, bookkeeping), which runs on one core and groups fewer",
    '  commands because its requests reach the database less in step.',
    '- "bare node:http + insertOne" is a server of a few lines (`bench/support/http-front.ts`, a process of its',
    "  own like the server's) that does per POST what the driver row does (parse, add `_id`, `id` and meta, one",
    '  `insertOne`) and answers 201 with `Location`: no check, index, version or journal. Its distance to insertOne is',
    '  what receiving creates over HTTP costs on this machine before any FHIR work; the rest of the target is what',
    '  is left for the FHIR work itself.',
    '- The commands a create costs are listed under the breakdown: before the version, one insert into',
    '  `keys` of the journal entry (so that recovery finds a write that died) and the keys of the ordered search',
    '  index; then the version, which holds the resource text (texts up to 16 KiB), and the current',
    '  view with its search keys. Finished writes leave the journal in batches (one delete per up to 500',
    '  writes or 200 ms). A `Repository.write` without a server-assigned id also probes for the newest version and,',
    '  on FerretDB (whose conditional writes are not atomic), checks that the view converged.',
    '- A read of a resource this server process has written or read before asks the database one thing: whether a',
    '  version after the one it remembers exists (an `_id` lookup in `versions` that finds nothing), and takes the',
    '  text from its memory (`RESOURCE_CACHE_MB`). The driver row reads a whole document. The "first read" rows are',
    '  a second server process, warmed up on the warm-up resources, that has seen none of these, reading each once.',
    '  With no write of the resource in flight (no journal entry) it asks at once for the journal entries and for',
    '  versions 1 to 8 (`_id` lookups; the newest visible one holds the text) and never reads the view, whose search',
    '  keys (4 to 6 KB, about 150 fields) FerretDB would decode in full. They are set against the same driver reads',
    '  as the other read rows.',
    '',
  ].join('\n');
}
