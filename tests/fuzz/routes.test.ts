// The fuzzing run (issue 20 point 7): random requests over every route (tests/fuzz/requests.ts), bounded in count,
// against a server with the development caller (every route reachable) and one without (random tokens: 401). Each
// answer is checked: never a 5xx, an OperationOutcome for every FHIR error, an answer at all within HANG_MS (a hang
// detector, not a timing assertion: the known hangs of issue 20 ran 60 s and more); afterwards the server still
// serves ordinary requests. The seed is printed; `FUZZ_SEED=<seed> npx jest tests/fuzz` replays the same requests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../support/server';
import { describe as describeRequest, fuzzRequest, SEEDED, type FuzzRequest } from './requests';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const HANG_MS = 10_000;
/** Refusals made before authentication (routes.ts, negotiation, body limits, Node's header limit). */
const BEFORE_AUTHENTICATION = new Set([400, 404, 405, 406, 413, 415, 431]);

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(base: string, r: FuzzRequest): Promise<Answer> {
  const res = await fetch(base + r.url, {
    method: r.method,
    headers: r.headers,
    ...(r.body !== undefined && { body: r.body }),
    signal: AbortSignal.timeout(HANG_MS),
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** What is wrong with an answer, if anything. */
function problem(r: FuzzRequest, a: Answer, authenticated: boolean): string | undefined {
  if (a.status >= 500) return `status ${a.status}`;
  const fhir = r.url.startsWith('/fhir') && !r.url.startsWith('/fhir/.well-known');
  // Without a valid token: 401, or a refusal the edge makes before it looks at the token (an unknown route, method,
  // media type or id says nothing the CapabilityStatement does not); never an answer with data.
  if (!authenticated && fhir && r.method !== 'OPTIONS' && !/^\/fhir\/metadata(\?|$)/.test(r.url))
    if (a.status !== 401 && !BEFORE_AUTHENTICATION.has(a.status))
      return `status ${a.status} without a valid token (expected 401)`;
  if (fhir && a.status >= 400 && r.method !== 'HEAD') {
    let outcome = false;
    try {
      outcome = (JSON.parse(a.text) as { resourceType?: unknown }).resourceType === 'OperationOutcome';
    } catch {
      // not JSON
    }
    if (!outcome) return `status ${a.status} without an OperationOutcome`;
  }
  return undefined;
}

/** Sends `runs` random requests from `seed` one after another; returns every failure, described. */
async function fuzz(base: string, seed: number, runs: number, authenticated: boolean): Promise<string[]> {
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let i = 0;
  await fc.assert(
    fc.asyncProperty(fuzzRequest, async (r) => {
      const n = i++;
      let a: Answer;
      try {
        a = await send(base, r);
      } catch (err) {
        failures.push(`#${n} no answer (${String(err)}): ${describeRequest(r)}`);
        return true;
      }
      const p = problem(r, a, authenticated);
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (p) failures.push(`#${n} ${p}: ${describeRequest(r)}\n  -> ${a.text.slice(0, 300)}`);
      return true; // every failure is collected, not shrunk: one run reports them all
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  console.log(
    `fuzz seed ${seed}: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
  );
  return failures;
}

async function ordinaryRequestsWork(s: TestServer, headers: Record<string, string> = {}): Promise<void> {
  const json = { 'Content-Type': 'application/fhir+json', ...headers };
  const created = await fetch(`${s.base}/Patient`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ resourceType: 'Patient', gender: 'female', birthDate: '1990' }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await fetch(`${s.base}/Patient/${id}`, { headers })).status).toBe(200);
  const found = (await (await fetch(`${s.base}/Patient?_id=${id}`, { headers })).json()) as {
    entry?: unknown[];
  };
  expect(found.entry).toHaveLength(1);
  expect((await fetch(`${s.base}/Patient/${id}/_history`, { headers })).status).toBe(200);
  expect((await fetch(`${s.base}/metadata`)).status).toBe(200);
}

describe(`fuzzing every route (seed ${SEED}, FUZZ_SEED=${SEED} npx jest tests/fuzz replays it)`, () => {
  beforeAll(() => {
    console.log(`fuzz seed ${SEED} (${RUNS} requests): replay with FUZZ_SEED=${SEED} npx jest tests/fuzz`);
  });

  it('with the development caller: no 5xx, no hang, OperationOutcome errors, the server still answers', async () => {
    const s = await startTestServer();
    try {
      const put = (type: string, id: string, body: object) =>
        fetch(`${s.base}/${type}/${id}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: type, id, ...body }),
        });
      expect((await put('Patient', SEEDED.patient, { gender: 'other' })).status).toBe(201);
      const obs = {
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${SEEDED.patient}` },
      };
      expect((await put('Observation', SEEDED.observation, obs)).status).toBe(201);
      const failures = await fuzz(s.url, SEED, RUNS, true);
      expect(failures).toEqual([]);
      await ordinaryRequestsWork(s);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('without the development caller: random and invalid tokens get 401, never a 5xx', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-fuzz-'));
    const s = await startTestServer({ DEV_UNAUTHENTICATED: '', HOST: '127.0.0.1', DATA_DIR: dataDir });
    try {
      const failures = await fuzz(s.url, SEED + 1, Math.ceil(RUNS / 4), false);
      expect(failures).toEqual([]);
      expect((await fetch(`${s.base}/Patient`)).status).toBe(401);
      expect((await fetch(`${s.base}/metadata`)).status).toBe(200);
    } finally {
      await s.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
