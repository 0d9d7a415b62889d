// Finding a migrant by name over HTTP: 10 concurrent `Patient?family=&given=` searches against an ephr-fhir server on
// the embedded FerretDB holding 3,600 Patients, and what the ordered search index costs per resource (its keys).
import os from 'node:os';
import type { Resource } from 'fhir/r4';
import { indexResource, versionKeys } from '../src/search';
import { benchDb, stopBenchDb } from './support/db';
import { startBenchServer } from './support/fhir-server';
import { httpGets, pick } from './support/http-load';
import { OBSERVATION, PATIENT } from './support/resources';
import { figures, int, ms } from './support/stats';

const PATIENTS = Number(process.env.BENCH_NAME_PATIENTS ?? 3600);
const SEARCHES = Number(process.env.BENCH_NAME_SEARCHES ?? 2000);
const CONNECTIONS = 10;
const FAMILIES = [
  'Hassan',
  'Mohammed',
  'Ahmed',
  'Ali',
  'Ibrahim',
  'Yusuf',
  'Abdi',
  'Haile',
  'Karimi',
  'Rahimi',
];
const GIVEN = ['Fatima', 'Amina', 'Omar', 'Zainab', 'Dawit', 'Selam', 'Hawa', 'Ali', 'Yonas', 'Mariam'];

function patient(i: number): Resource {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:iom', value: `IOM-${i}` }],
    name: [{ family: FAMILIES[i % 10]!, given: [GIVEN[Math.floor(i / 10) % 10]!] }],
    gender: i % 2 ? 'male' : 'female',
    birthDate: `${1950 + (i % 60)}-0${1 + (i % 9)}-1${i % 10}`,
  } as Resource;
}

/** Keys and bytes the ordered index holds for one resource (each key is one small document `{_id}`). */
function keyRow(name: string, resource: Resource): string {
  const keys = versionKeys(
    resource.resourceType,
    '2b1f0c3e-8d7a-4c55-9e0b-5a8f3d2c1b0a',
    1,
    indexResource(resource),
  );
  const bytes = keys.reduce((n, k) => n + Buffer.byteLength(k), 0);
  return `| ${name} | ${keys.length} | ${int(bytes)} | ${int(bytes / keys.length)} |`;
}

async function load(url: string): Promise<void> {
  for (let i = 0; i < PATIENTS; i += 100) {
    const entry = Array.from({ length: Math.min(100, PATIENTS - i) }, (_, j) => ({
      resource: patient(i + j),
      request: { method: 'POST', url: 'Patient' },
    }));
    const r = await fetch(`${url}/fhir`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    if (r.status !== 200) throw new Error(`loading Patients: ${r.status} ${await r.text()}`);
  }
}

export async function bench(): Promise<string> {
  const db = await benchDb();
  const server = await startBenchServer(db.uri, `name_${Date.now()}`);
  try {
    await load(server.url);
    const path = () =>
      `/fhir/Patient?family=${pick(FAMILIES).slice(0, 4).toLowerCase()}&given=${pick(GIVEN)}`;
    await httpGets(server.url, path, 300, CONNECTIONS); // warm-up
    const f = figures(await httpGets(server.url, path, SEARCHES, CONNECTIONS, 120_000));
    return [
      '## Finding a migrant by name',
      '',
      `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores (shared), Node ${process.version}; server, embedded FerretDB (SQLite) and load generator share them.`,
      '',
      `${int(PATIENTS)} Patients (10 family names x 10 given names, so each search matches ${int(PATIENTS / 100)}), loaded by transaction Bundles of 100; then ${CONNECTIONS} connections send ${int(SEARCHES)} \`GET /fhir/Patient?family=<first 4 letters>&given=<name>\` (a random pair each) after a warm-up of 300. Each answer is a searchset Bundle of its first page (20).`,
      '',
      '| searches | errors | searches/s | p50 ms | p99 ms | mean ms |',
      '|---:|---:|---:|---:|---:|---:|',
      `| ${int(f.count)} | ${int(f.errors)} | ${int(f.perSecond)} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.mean)} |`,
      '',
      '### What the ordered search index holds per resource',
      '',
      "Keys of one version (`src/search/keys.ts`), each a document `{_id}` in `keys`; bytes are the `_id` texts. The REST benchmark's Patient and Observation (`bench/support/resources.ts`).",
      '',
      '| resource | keys | bytes | bytes per key |',
      '|---|---:|---:|---:|',
      keyRow('e-PHR Patient', PATIENT),
      keyRow('blood pressure Observation', OBSERVATION),
    ].join('\n');
  } finally {
    await server.stop();
    await stopBenchDb();
  }
}
