// The time limit of a search's database reads (issue 20 point 1), on the real database: FerretDB 1.24 (and MongoDB)
// stop a find or a count past `maxTimeMS` (code 50), which the store answers as 503 `timeout`; a request whose
// client went away stops its reads (503 `incomplete`, read by nobody) and starts no new one.
import { OperationOutcomeError } from '../../src/fhir/outcome';
import { ReadLimits } from '../../src/storage/read-bound';
import { searchStore } from '../../src/storage/search-store';
import { startTestServer, type TestServer } from '../support/server';

jest.setTimeout(120_000);

let s: TestServer;
/** A scan no index can answer: a regular expression over every view's entries. */
const SLOW = { type: 'Basic', deleted: false, 'idx.k': { $regex: 'no such entry$' } };

beforeAll(async () => {
  s = await startTestServer();
  const docs = Array.from({ length: 20_000 }, (_, i) => ({
    _id: `Basic/b${i}`,
    type: 'Basic',
    id: `b${i}`,
    versionId: 1,
    lastUpdated: new Date(),
    deleted: false,
    idx: { k: Array.from({ length: 8 }, (_, j) => `code|entry number ${i} of ${j}`) },
  }));
  await s.running.db.collection('resources').insertMany(docs as never[]);
});
afterAll(() => s.close());

async function failure(p: Promise<unknown>): Promise<OperationOutcomeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OperationOutcomeError);
  return err as OperationOutcomeError;
}

it('the database stops a find and a count past maxTimeMS (code 50) on this database too', async () => {
  const c = s.running.db.collection('resources');
  await expect(c.find(SLOW, { maxTimeMS: 1 }).toArray()).rejects.toMatchObject({ code: 50 });
  await expect(c.countDocuments(SLOW, { maxTimeMS: 1 })).rejects.toMatchObject({ code: 50 });
});

it('a search read past DB_MAX_TIME_MS is a 503 timeout naming the setting', async () => {
  const store = searchStore(s.running.repo, false, new ReadLimits(1));
  for (const read of [store.find(SLOW, {}), store.count(SLOW)]) {
    const err = await failure(read);
    expect(err.status).toBe(503);
    expect(err.issues[0]).toMatchObject({ code: 'timeout' });
    expect(err.issues[0]?.diagnostics).toContain('DB_MAX_TIME_MS');
  }
  // within the limit, the same read answers
  expect(await searchStore(s.running.repo, false, new ReadLimits(60_000)).count(SLOW)).toBe(0);
});

it('a read of a request whose client is gone stops, and no new read starts', async () => {
  const gone = new AbortController();
  const store = searchStore(s.running.repo).abortable!(gone.signal);
  const reading = store.find(SLOW, {});
  setTimeout(() => gone.abort(), 5);
  const err = await failure(reading);
  expect(err.status).toBe(503);
  expect(err.issues[0]).toMatchObject({ code: 'incomplete' });
  const next = await failure(store.count({ type: 'Basic', deleted: false }));
  expect(next.issues[0]).toMatchObject({ code: 'incomplete' });
});
