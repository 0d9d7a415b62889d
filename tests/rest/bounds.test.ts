// Every request has a bounded cost (issue 20 point 1): the reproducers of the issue, sent to a real server in a process
// of its own (a blocked event loop there cannot block the test's timers), each answer their 4xx at once, naming the
// bound, and the server still answers an ordinary request after. The deadlines only catch a hang: the old code took
// 138 s (a long name), past 60 s (10,000 OR values, a 200,000-character `:contains`) or minutes (a long `phonetic=`).
import crypto from 'node:crypto';
import { startChildServer, type ChildServer } from '../support/child-server';
import { testDatabaseUri } from '../support/server';

jest.setTimeout(120_000);

/** Generous: far above the work these requests now do, far below what the old code took. */
const DEADLINE_MS = 15_000;

let server: ChildServer;
beforeAll(async () => {
  server = await startChildServer({
    MONGODB_URI: testDatabaseUri(),
    DB_NAME: `t_${crypto.randomBytes(8).toString('hex')}`,
  });
});
afterAll(async () => {
  server.proc.kill('SIGTERM');
  await server.exited;
});

interface Answer {
  status: number;
  body: {
    resourceType?: string;
    issue?: Array<{ code: string; diagnostics: string; expression?: string[] }>;
    total?: number;
  };
}

async function send(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${server.url}/fhir${path}`, { ...init, signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const postJson = (path: string, body: object): Promise<Answer> =>
  send(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });

const postSearch = (type: string, form: Record<string, string> | string): Promise<Answer> =>
  send(`/${type}/_search`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });

function expectBound(a: Answer, status: number, code: string, setting: string): void {
  expect(a.status).toBe(status);
  expect(a.body.resourceType).toBe('OperationOutcome');
  expect(a.body.issue?.[0]?.code).toBe(code);
  expect(a.body.issue?.[0]?.diagnostics).toContain(setting);
}

/** An ordinary request still works (the server was not blocked or left broken). */
async function stillServes(): Promise<void> {
  const created = await postJson('/Patient', { resourceType: 'Patient', name: [{ family: 'Haddad' }] });
  expect(created.status).toBe(201);
  const found = await send('/Patient?name=haddad&_total=accurate');
  expect(found.status).toBe(200);
  expect(found.body.total).toBeGreaterThanOrEqual(1);
}

describe('at write: strings that are indexed', () => {
  it('a Patient with a 300,000-character name is 422 too-long naming the element', async () => {
    const a = await postJson('/Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Haddad', given: ['a'.repeat(300_000)] }],
    });
    expectBound(a, 422, 'too-long', 'MAX_INDEXED_STRING_LENGTH');
    expect(a.body.issue?.[0]?.expression).toEqual(['Patient.name[0].given[0]']);
    await stillServes();
  });

  it('a name of 65,536 characters (the default bound) is stored and found', async () => {
    const family = `Z${'a'.repeat(65_535)}`;
    expect((await postJson('/Patient', { resourceType: 'Patient', name: [{ family }] })).status).toBe(201);
    const found = await postSearch('Patient', { family: family.slice(0, 1000), _total: 'accurate' });
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(1);
  });
});

describe('at search: parameters, values and their length', () => {
  it('a 300,000-character phonetic= in a POST search is 400 too-costly', async () => {
    expectBound(
      await postSearch('Patient', { phonetic: 'a'.repeat(300_000) }),
      400,
      'too-costly',
      'SEARCH_MAX_VALUE_LENGTH',
    );
    await stillServes();
  });

  it('a 200,000-character name:contains is 400 too-costly', async () => {
    expectBound(
      await postSearch('Patient', { 'name:contains': 'ab'.repeat(100_000) }),
      400,
      'too-costly',
      'SEARCH_MAX_VALUE_LENGTH',
    );
    await stillServes();
  });

  it('10,000 OR values in one parameter are 400 too-costly naming the parameter', async () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `n${i}`).join(',');
    const a = await postSearch('Patient', { name: values });
    expectBound(a, 400, 'too-costly', 'SEARCH_MAX_VALUES');
    expect(a.body.issue?.[0]?.expression).toEqual(['name']);
    await stillServes();
  });

  it('100 values are searched', async () => {
    const values = ['haddad', ...Array.from({ length: 99 }, (_, i) => `n${i}`)].join(',');
    const a = await postSearch('Patient', { name: values, _total: 'accurate' });
    expect(a.status).toBe(200);
    expect(a.body.total).toBeGreaterThanOrEqual(1);
  });

  it('10,000 parameters are 400 too-costly', async () => {
    const form = Array.from({ length: 10_000 }, (_, i) => `name=n${i}`).join('&');
    expectBound(await postSearch('Patient', form), 400, 'too-costly', 'SEARCH_MAX_PARAMETERS');
    await stillServes();
  });

  it('_include:iterate=* and _revinclude:iterate=* answer with at most SEARCH_MAX_INCLUDES includes', async () => {
    const a = await send('/Patient?_include:iterate=*&_revinclude:iterate=*&_count=50');
    expect(a.status).toBe(200);
    await stillServes();
  });
});
