// Search benchmark: index extraction throughput over the R4 examples against the fhirpath package evaluating
// the same SearchParameter expressions (compiled once), and search latency on generated data in the
// embedded FerretDB (which scans: the figures say what this machine does, not what MongoDB would).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import type { FhirResource } from 'fhir/r4';
import { concreteResourceTypes, R4_PACKAGE_DIR, readPackageFile } from '../src/fhir/definitions';
import {
  executeSearch,
  indexResource,
  parseSearch,
  searchParameterRegistry,
  type SearchStore,
} from '../src/search';
import { compileExpression, fhirpathEvaluator } from '../src/search/paths';
import { startEmbeddedDb } from '../src/storage/embedded-ferretdb';
import { Repository, NO_PIPELINE } from '../src/storage/repository';
import { searchStore } from '../src/storage/search-store';
import { firstVersionDocs, type Doc } from './support/stored-docs';

function examples(): FhirResource[] {
  return fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter((f) => f.endsWith('.json') && /^[A-Z]/.test(f))
    .map((f) => readPackageFile<FhirResource>(f))
    .filter((r) => concreteResourceTypes().has(r.resourceType));
}

/** Resources per second of `fn` over `resources`: the best of several passes after a warm-up. */
function throughput(resources: FhirResource[], fn: (r: FhirResource) => void, passes = 5): number {
  for (const r of resources) fn(r);
  let best = Infinity;
  for (let i = 0; i < passes; i++) {
    const t = process.hrtime.bigint();
    for (const r of resources) fn(r);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return resources.length / best;
}

function extractionSection(): string {
  const res = examples();
  const reg = searchParameterRegistry();
  const expressions = (r: FhirResource): string[] =>
    reg
      .byType(r.resourceType)
      .filter((d) => d.type !== 'special')
      .map((d) => d.expression);
  const walkRate = throughput(res, (r) => {
    for (const e of expressions(r)) compileExpression(e, r.resourceType).evaluate(r);
  });
  const indexRate = throughput(res, (r) => void indexResource(r));
  // Last, since the package may annotate the objects it evaluates.
  const fhirpathOnly = throughput(res, (r) => {
    for (const e of expressions(r)) fhirpathEvaluator(e)(r);
  });
  let direct = 0;
  let all = 0;
  for (const t of concreteResourceTypes()) {
    for (const d of reg.byType(t)) {
      all++;
      if (compileExpression(d.expression, t).direct) direct++;
    }
  }
  const bytes = res.reduce((n, r) => n + JSON.stringify(indexResource(r)).length, 0) / res.length;
  const f = (n: number): string => Math.round(n).toLocaleString('en');
  return [
    `### Index extraction over the R4 examples (${res.length} resources, one core)`,
    '',
    `Expressions walked directly: ${direct} of ${all} (the rest compiled once by the fhirpath package).`,
    '',
    '| what | resources/s | vs fhirpath |',
    '|---|---:|---:|',
    `| fhirpath package, same expressions, compiled once | ${f(fhirpathOnly)} | 1.0x |`,
    `| our walkers, same expressions | ${f(walkRate)} | ${(walkRate / fhirpathOnly).toFixed(1)}x |`,
    `| full indexResource (walk + normalise + entries + sort keys) | ${f(indexRate)} | ${(indexRate / fhirpathOnly).toFixed(1)}x |`,
    '',
    `Index size: ${f(bytes)} bytes of \`idx\` + \`sort\` per resource on average (JSON).`,
  ].join('\n');
}

const FAMILIES = [
  'Mohammed',
  'Hassan',
  'Youssef',
  'Osman',
  'Tesfaye',
  'Ahmadi',
  'Karimi',
  'Abdi',
  'Haile',
  'Rahimi',
];
const GIVEN = ['Fatima', 'Abdul Rahman', 'Yusuf', 'Amina', 'Dawit', 'Zainab', 'Ali', 'Hawa', 'Omar', 'Selam'];

function generate(n: number): FhirResource[] {
  const out: FhirResource[] = [];
  const patients = Math.ceil(n / 5);
  for (let i = 0; i < patients; i++) {
    out.push({
      resourceType: 'Patient',
      id: `p${i}`,
      identifier: [{ system: 'urn:oid:iom', value: `IOM-${i}` }],
      name: [{ family: FAMILIES[i % 10] ?? '', given: [GIVEN[(i * 7) % 10] ?? ''] }],
      gender: i % 2 ? 'male' : 'female',
      birthDate: `${1950 + (i % 60)}-0${1 + (i % 9)}-1${i % 10}`,
    });
    for (let j = 0; j < 4 && out.length < n; j++) {
      out.push({
        resourceType: 'Observation',
        id: `o${i}-${j}`,
        status: 'final',
        subject: { reference: `Patient/p${i}` },
        code: { coding: [{ system: 'http://loinc.org', code: j % 2 ? '8867-4' : '29463-7' }] },
        valueQuantity: {
          value: 50 + ((i + j) % 50),
          system: 'http://unitsofmeasure.org',
          code: j % 2 ? '/min' : 'kg',
        },
        effectiveDateTime: `202${j}-0${1 + (i % 9)}-1${i % 10}T10:00:00Z`,
      });
    }
    if (out.length < n) {
      out.push({
        resourceType: 'Immunization',
        id: `i${i}`,
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03' }] },
        patient: { reference: `Patient/p${i}` },
        occurrenceDateTime: '2023-05-01',
      });
    }
  }
  return out.slice(0, n);
}

/** Runs per query: every run on FerretDB scans, so fewer on the large data set (its p99 is then the maximum). */
const repeats = (n: number): number =>
  Number(
    (n > 10_000 ? process.env.BENCH_SEARCH_REPEAT_LARGE : process.env.BENCH_SEARCH_REPEAT) ??
      (n > 10_000 ? 5 : 20),
  );

const QUERIES: Array<[string, string]> = [
  ['Patient', 'identifier=urn:oid:iom|IOM-42'],
  ['Patient', 'family=hass&birthdate=1963'],
  ['Patient', 'phonetic=Muhammad&_count=20'],
  ['Observation', 'subject=Patient/p42&code=http://loinc.org|8867-4&date=ge2021-01'],
  ['Immunization', 'patient.identifier=urn:oid:iom|IOM-42'],
  ['Patient', '_has:Observation:subject:value-quantity=gt98&_count=20'],
  ['Observation', 'code=http://loinc.org|29463-7&_sort=-date&_count=20&_include=Observation:subject'],
];

async function latencySection(sizes: number[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-search-'));
  const db = await startEmbeddedDb({ dataDir: dir, port: 0 });
  const lines = [
    '### Search latency on the embedded FerretDB 1.24 (SQLite backend)',
    '',
    'Data as the server stores it (versions with their text, current views, the keys of the ordered search index),',
    "searched through the server's own search store: a query reads the keys its conditions name as `_id` ranges",
    '(src/search/keys.ts), then decides on the views of those candidates only; a condition the keys cannot answer',
    '(or one that names too many) leaves it to the views of the type, read in sort order.',
    'Each generated patient has 4 Observations and 1 Immunization. No text cache: every page reads its texts.',
    '',
    '| resources | query | runs | matches on page | p50 ms | p99 ms |',
    '|---:|---|---:|---:|---:|---:|',
  ];
  try {
    for (const n of sizes) {
      const conn = await mongoose
        .createConnection(db.uri, { dbName: `b_${crypto.randomBytes(4).toString('hex')}` })
        .asPromise();
      if (!conn.db) throw new Error('no database');
      const mdb = conn.db;
      // Stored as the server stores a first version (bench/support/stored-docs.ts).
      const now = new Date();
      const data = generate(n);
      for (let i = 0; i < data.length; i += 1000) {
        const docs = data.slice(i, i + 1000).map((r) => firstVersionDocs(r, JSON.stringify(r), now, 'PUT'));
        const keys = docs.flatMap((d) => d.keys);
        await mdb.collection<Doc>('versions').insertMany(docs.map((d) => d.version));
        await mdb.collection<Doc>('resources').insertMany(docs.map((d) => d.view));
        if (keys.length) await mdb.collection<Doc>('keys').insertMany(keys);
      }
      // The server's own search store on FerretDB (type ranges handed to SQLite); no text cache, so every page's
      // texts come from the database.
      const store: SearchStore = searchStore(new Repository(mdb, NO_PIPELINE, false, {}, 0), true);
      for (const [type, q] of QUERIES) {
        const req = parseSearch(type, [...new URLSearchParams(q)] as Array<[string, string]>, {
          strict: true,
          baseUrl: 'http://localhost/fhir',
          defaultCount: 50,
          maxCount: 500,
        });
        const times: number[] = [];
        let page = 0;
        for (let i = 0; i < repeats(n); i++) {
          const t = process.hrtime.bigint();
          page = (await executeSearch(store, req)).matches.length;
          times.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        times.sort((a, b) => a - b);
        process.stderr.write(`bench search: ${n} ${type}?${q} ${times.map((t) => t.toFixed(0)).join(' ')}\n`);
        const p = (q2: number): string =>
          (times[Math.min(times.length - 1, Math.floor(q2 * times.length))] ?? 0).toFixed(0);
        lines.push(
          `| ${n.toLocaleString('en')} | \`${type}?${q}\` | ${times.length} | ${page} | ${p(0.5)} | ${p(0.99)} |`,
        );
      }
      await conn.db?.dropDatabase();
      await conn.close();
    }
  } finally {
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines.join('\n');
}

/** The benchmark's report in markdown. `BENCH_SEARCH_SIZES=10000,100000` sets the generated data sizes. */
export async function bench(): Promise<string> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const sizes = (process.env.BENCH_SEARCH_SIZES ?? '10000,100000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const head = [
    '## Search',
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores (shared), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  ].join('\n');
  const parts = [head, extractionSection()];
  if (sizes.length) parts.push(await latencySection(sizes));
  return parts.join('\n\n') + '\n';
}

if (require.main === module) {
  bench().then(
    (md) => process.stdout.write(md),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
