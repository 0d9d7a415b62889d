// Crash safety (issue 6, point 4): the server is killed with SIGKILL at random moments while it writes 200-entry
// transactions; after each restart either every entry of the interrupted transaction is visible or none is, in read,
// search and history alike, and nothing it left behind blocks the next write (no 409 after a restart). The state of
// the commit record at the moment of the kill shows where each kill landed; some must land mid-write.
import crypto from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { startChildServer, type ChildServer } from '../support/child-server';
import { testDatabaseUri } from '../support/server';

const ROUNDS = 20;
const ENTRIES = 200;
const SYS = 'urn:test:crash';

function bundle(round: number): string {
  const entry = Array.from({ length: ENTRIES }, (_, i) => ({
    fullUrl: `urn:uuid:${crypto.randomUUID()}`,
    resource: {
      resourceType: 'Basic',
      id: `crash-${round}-${i}`,
      meta: { tag: [{ system: SYS, code: `round-${round}` }] },
      code: { text: `round ${round} entry ${i}` },
    },
    request: { method: 'PUT', url: `Basic/crash-${round}-${i}` },
  }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

const post = (url: string, body: string) =>
  fetch(`${url}/fhir`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body });

async function json(url: string): Promise<{ entry?: Array<{ resource?: { id?: string } }> }> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as { entry?: Array<{ resource?: { id?: string } }> };
}

/** How many entries of round `round` read, search and history each show. */
async function visible(url: string, round: number, since: Date): Promise<[number, number, number]> {
  let read = 0;
  for (let i = 0; i < ENTRIES; i++) {
    const res = await fetch(`${url}/fhir/Basic/crash-${round}-${i}`);
    if (res.status === 200) read++;
    else if (res.status !== 404) throw new Error(`unexpected ${res.status}`);
  }
  const found = await json(`${url}/fhir/Basic?_tag=${SYS}|round-${round}&_count=1000`);
  const hist = await json(`${url}/fhir/Basic/_history?_since=${since.toISOString()}&_count=1000`);
  const ids = new Set(
    (hist.entry ?? []).map((e) => e.resource?.id).filter((id) => id?.startsWith(`crash-${round}-`)),
  );
  return [read, (found.entry ?? []).length, ids.size];
}

/**
 * The transaction's state when the server died: none (killed before its record), pending, committed (its decision
 * says so, src/storage/decision.ts, whatever the record says yet) or done.
 */
async function recordState(db: Db, round: number): Promise<string> {
  const key = `Basic/crash-${round}-0/1`;
  const docs = await db
    .collection<{ _id: string; state?: string; versions?: string[]; decision?: string }>('transactions')
    .find({}, { projection: { state: 1, versions: 1, decision: 1 } })
    .toArray();
  const mine = docs.find((r) => r.versions?.includes(key));
  if (!mine) return 'none';
  const decided = docs.find((d) => d._id === `decision:${mine._id}`)?.decision;
  return mine.state === 'pending' && decided === 'committed' ? 'committed' : String(mine.state);
}

it(`${ROUNDS} SIGKILLs during ${ENTRIES}-entry transactions leave all or nothing`, async () => {
  const env = { MONGODB_URI: testDatabaseUri(), DB_NAME: `t_crash_${crypto.randomBytes(4).toString('hex')}` };
  const client = await MongoClient.connect(testDatabaseUri());
  const db = client.db(env.DB_NAME);
  let server: ChildServer = await startChildServer(env);
  try {
    // How long one transaction takes here, and when its writes begin: the kills fall around the writes.
    const t0 = Date.now();
    const since0 = new Date();
    expect((await post(server.url, bundle(0))).status).toBe(200);
    const window = Date.now() - t0;
    const first = await db
      .collection('transactions')
      .findOne({ createdAt: { $exists: true } }, { projection: { createdAt: 1 } });
    const writesFrom = Math.max(0, (first!.createdAt as Date).getTime() - t0);
    expect(await visible(server.url, 0, since0)).toEqual([ENTRIES, ENTRIES, ENTRIES]);
    const states: string[] = [];
    // Kill times are drawn between `early` and `late`, which close in on the writes: a kill that found the
    // transaction finished was too late, one that found nothing written too early. The first transaction (timed
    // above) runs colder than the later ones, so its window alone put most kills after the end.
    let early = writesFrom * 0.8;
    let late = window * 1.1;
    for (let round = 1; round <= ROUNDS; round++) {
      const since = new Date();
      const sent = post(server.url, bundle(round)).catch(() => undefined);
      const at = early + Math.random() * (late - early);
      await new Promise((r) => setTimeout(r, at));
      server.proc.kill('SIGKILL');
      await server.exited;
      await sent;
      const state = await recordState(db, round);
      states.push(state);
      if (state === 'done') late = Math.max(early + 1, (at + late) / 2);
      if (state === 'none') early = Math.min(late - 1, (early + at) / 2);
      server = await startChildServer(env);
      const seen = await visible(server.url, round, since);
      const all = state === 'committed' || state === 'done';
      expect({ round, state, seen }).toEqual({
        round,
        state,
        seen: all ? [ENTRIES, ENTRIES, ENTRIES] : [0, 0, 0],
      });
      // What the dead writer held is free at once: the restart rolled back its pending record, no lease to wait for.
      const again = await fetch(`${server.url}/fhir/Basic/crash-${round}-0`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Basic', id: `crash-${round}-0`, code: { text: 'after' } }),
      });
      expect({ round, state, status: again.status }).toEqual({ round, state, status: all ? 200 : 201 });
    }
    const count = (s: string) => states.filter((x) => x === s).length;
    console.log(
      `crash rounds (window ${window} ms, writes from ${writesFrom} ms): ${count('none')} before the writes, ` +
        `${count('pending')} before the commit point, ${count('committed')} after it, ${count('done')} finished`,
    );
    // Some kills landed while the transaction was being written (not all before it began, not all after it ended).
    expect(count('pending') + count('committed')).toBeGreaterThan(0);
  } finally {
    server.proc.kill('SIGTERM');
    await server.exited;
    await db.dropDatabase();
    await client.close();
  }
}, 900_000);
