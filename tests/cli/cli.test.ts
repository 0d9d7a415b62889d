// The command line as a user runs it (bin/ephr-fhir.js in a child process): map prints Bundles, import stores records
// through a running server or straight into the configured database, with a report and an exit code.
import { execFile, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Bundle } from 'fhir/r4';
import { recordsFrom } from '../../src/mapping';
import { projectRoot } from '../../src/project-root';
import { startTestServer, testDatabaseUri, type TestServer } from '../support/server';

const BIN = path.join(projectRoot, 'bin', 'ephr-fhir.js');
const FIXTURES = path.join(projectRoot, 'fixtures', 'ephr');
const EPHR_ID = 'http://ephr-fhir.org/fhir/sid/ephr-id';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * `ephr-fhir map <args>` with its stdout piped into another process that starts reading only after `delayMs` (a
 * pipe holds 64 KiB, so a larger output is still being written when the CLI's work is done) and reads to the end.
 * The reader answers what it parsed: the JSON the CLI printed, or the parse error.
 */
function mapIntoSlowReader(
  args: string[],
  delayMs: number,
): Promise<{ code: number | null; bytes: number; parsed?: unknown; error?: string }> {
  const reader = spawn(
    process.execPath,
    [
      '-e',
      `setTimeout(() => {
        const chunks = [];
        process.stdin.on('data', (c) => chunks.push(c));
        process.stdin.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let answer;
          try { answer = { bytes: text.length, parsed: JSON.parse(text) }; }
          catch (err) { answer = { bytes: text.length, error: err.message }; }
          process.stdout.write(JSON.stringify(answer));
        });
      }, ${delayMs});`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const writer = spawn(process.execPath, [BIN, 'map', ...args], {
    stdio: ['ignore', reader.stdin, 'ignore'],
  });
  reader.stdin.destroy(); // the CLI holds the pipe's only writing end now: the reader sees its end when it exits
  let answer = '';
  reader.stdout.on('data', (c: Buffer) => (answer += c.toString('utf8')));
  const code = new Promise<number | null>((resolve) => writer.once('exit', (c) => resolve(c)));
  return new Promise((resolve, reject) => {
    reader.once('error', reject);
    reader.once('close', () => {
      void code.then((c) => resolve({ code: c, ...(JSON.parse(answer) as { bytes: number }) }));
    });
  });
}

// Each test starts the CLI in child processes and imports through HTTP. The CLI runs dist/, which it builds first
// when the sources changed; built here once, so that no test's stderr holds the build's message.
jest.setTimeout(480_000); // two imports of every fixture in one test: FerretDB scans for each conditional entry

let tmp: string;
let s: TestServer;
beforeAll(async () => {
  execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'build.js')], { stdio: 'inherit' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-cli-'));
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ephr-fhir map', () => {
  it('prints the transaction Bundle of a record, with the same entries as its golden file', async () => {
    const run = await cli(['map', path.join(FIXTURES, '01-syrian-family-father.json')]);
    expect(run.code).toBe(0);
    const bundle = JSON.parse(run.stdout) as Bundle;
    const golden = JSON.parse(
      fs.readFileSync(path.join(FIXTURES, 'expected', '01-syrian-family-father.bundle.json'), 'utf8'),
    ) as Bundle;
    expect(bundle.type).toBe('transaction');
    // the Provenance's id is drawn from the clinic and the time of mapping, which differ here
    const urls = (b: Bundle): Array<string | undefined> =>
      (b.entry ?? []).map((e) => e.request?.url).filter((u) => !u?.startsWith('Provenance/'));
    expect(urls(bundle)).toEqual(urls(golden));
    expect(urls(bundle).length).toBeGreaterThan(10);
  });

  it('maps another export layout with --format, naming what no move reads; an unknown format is exit 2', async () => {
    const file = path.join(FIXTURES, 'formats', 'example-clinic-export', '01-syrian-family-father.json');
    const run = await cli(['map', '--format', 'example-clinic-export', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'GR-2023-000101: not mapped: export.visits[0].ward: no mapping rule for this field\n',
    );
    const direct = await cli(['map', path.join(FIXTURES, '01-syrian-family-father.json')]);
    const urls = (text: string): Array<string | undefined> =>
      ((JSON.parse(text) as Bundle).entry ?? []).map((e) => e.request?.url);
    expect(urls(run.stdout)).toEqual(urls(direct.stdout));
    const unknown = await cli(['map', '--format', 'no-such-format', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('example-clinic-export');
  });

  it('fails with exit code 1 and the JSON path of each error for a malformed record', async () => {
    const run = await cli(['map', path.join(FIXTURES, 'invalid', 'bad-dates-and-codes.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/bad-dates-and-codes\.json: \S+/);
  });

  it('refuses every impossible date of a record (1994-02-30, 2024-06-31), each at its record field', async () => {
    const run = await cli(['map', path.join(FIXTURES, 'invalid', 'impossible-dates.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    for (const field of [
      'identification.birthDate',
      'migration.arrivalDate',
      'migration.transitCountries[0].to',
      'episodes[0].date',
      'episodes[0].vaccinations[0].date',
      'episodes[0].followUp.date',
    ])
      expect(run.stderr).toContain(field);
    expect(run.stderr).toContain("'1994-02-30' is not a calendar date");
  });

  it('writes the Bundles of a whole folder in full into a pipe whose reader is slower than the mapping', async () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => /\.(json|csv)$/.test(f));
    const records = files.flatMap((f) =>
      recordsFrom(fs.readFileSync(path.join(FIXTURES, f), 'utf8'), f.endsWith('.csv')),
    );
    const run = await mapIntoSlowReader([FIXTURES], 500);
    expect(run.error).toBeUndefined();
    expect(run.bytes).toBeGreaterThan(256 * 1024); // more than a pipe holds, many times over
    expect(run.code).toBe(0);
    const bundles = run.parsed as Bundle[];
    expect(bundles).toHaveLength(records.length);
    expect(bundles.every((b) => b.resourceType === 'Bundle' && b.type === 'transaction')).toBe(true);
  });

  it('answers an unknown command with exit code 2', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
  });
});

describe('ephr-fhir import --server', () => {
  const reportFile = (): string => path.join(tmp, `report-${crypto.randomUUID()}.json`);

  it('imports a folder of records, writes the report, and a second import changes nothing', async () => {
    const report = reportFile();
    const first = await cli(['import', FIXTURES, '--server', s.base, '--report', report, '--no-progress']);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const records = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).length;
    expect(first.stdout).toMatch(new RegExp(`^\\d+ record\\(s\\): \\d+ created`));
    const written = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      records: Array<{ recordId: string; status: string; written: string[] }>;
    };
    // the CSV export in the folder adds its own records to the JSON ones
    expect(written.records.length).toBeGreaterThan(records);
    expect(written.records.every((r) => r.status === 'created' && r.written.length > 0)).toBe(true);
    const again = await cli(['import', FIXTURES, '--server', s.base, '--no-progress']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${written.records.length} record(s): ${written.records.length} unchanged\n`);
    const found = await request(s.url).get(`/fhir/Patient?identifier=${EPHR_ID}|GR-2023-000101`).expect(200);
    expect(found.body.entry).toHaveLength(1);
  });

  it('exits 1 and names the errors when a record fails; the others are stored', async () => {
    const good = JSON.parse(fs.readFileSync(path.join(FIXTURES, '20-minimal.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const file = path.join(tmp, 'mixed.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { ...good, ephrId: 'CLI-0001' },
        { ...good, ephrId: 'CLI-0002', episodes: 'broken' },
      ]),
    );
    const run = await cli(['import', file, '--server', s.base, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('2 record(s): 1 created, 1 failed\n');
    expect(run.stderr).toMatch(/^CLI-0002: episodes/m);
    const one = await request(s.url).get(`/fhir/Patient?identifier=${EPHR_ID}|CLI-0001&_summary=count`);
    const two = await request(s.url).get(`/fhir/Patient?identifier=${EPHR_ID}|CLI-0002&_summary=count`);
    expect([one.body.total, two.body.total]).toEqual([1, 0]);
  });

  it('exits 2 when the server cannot be reached', async () => {
    const run = await cli([
      'import',
      path.join(FIXTURES, '20-minimal.json'),
      '--server',
      'http://127.0.0.1:9/fhir',
    ]);
    expect(run.code).toBe(2);
  });
});

describe('ephr-fhir import on the configured database', () => {
  it('imports through the same functions as the operation, with no server running', async () => {
    const dbName = `cli_${crypto.randomBytes(6).toString('hex')}`;
    const run = await cli(
      ['import', path.join(FIXTURES, '06-two-episodes-two-countries.json'), '--no-progress'],
      {
        MONGODB_URI: testDatabaseUri(),
        DB_NAME: dbName,
      },
    );
    expect([run.code, run.stdout]).toEqual([0, '1 record(s): 1 created\n']);
    const server = await startTestServer({ DB_NAME: dbName });
    try {
      const record = JSON.parse(
        fs.readFileSync(path.join(FIXTURES, '06-two-episodes-two-countries.json'), 'utf8'),
      ) as { ephrId: string };
      const found = await request(server.url)
        .get(`/fhir/Patient?identifier=${EPHR_ID}|${record.ephrId}`)
        .expect(200);
      expect(found.body.entry).toHaveLength(1);
      const encounters = await request(server.url)
        .get(`/fhir/Encounter?subject=Patient/${found.body.entry[0].resource.id as string}&_summary=count`)
        .expect(200);
      expect(encounters.body.total).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe('ephr-fhir reindex', () => {
  it('rebuilds an index that no longer matches the definitions, and changes nothing else', async () => {
    const server = await startTestServer();
    try {
      const created = await request(server.url)
        .post('/fhir/Patient')
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Reindexova' }] }))
        .expect(201);
      const id = created.body.id as string;
      // what an index built under other definitions looks like: this resource's entries are missing
      await server.running.db.db!.collection('resources').updateOne({ _id: `Patient/${id}` } as never, {
        $set: { idx: {} },
      });
      const search = () => request(server.url).get('/fhir/Patient?family=reindexova&_summary=count');
      expect((await search()).body.total).toBe(0);
      const run = await cli(['reindex'], {
        MONGODB_URI: testDatabaseUri(),
        DB_NAME: server.running.db.db!.databaseName,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^\d+ resources reindexed, 1 changed, in [\d.]+ s\n$/);
      expect((await search()).body.total).toBe(1);
    } finally {
      await server.close();
    }
  });
});
