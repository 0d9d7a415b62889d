// Where a create and a read spend their time: the server's Repository driven in-process, one operation at a time,
// with the driver's command monitoring attributing every database round trip (command, collection, duration).
import { MongoClient, type Db } from 'mongodb';
import { parseExact, type JsonObject } from '../../src/fhir/json';
import { newId, NO_PIPELINE, Repository } from '../../src/storage/repository';
import { pick } from './http-load';
import { withCpu, type CpuShare } from './cpu';
import { numbered, type BenchResource } from './resources';
import { runConcurrent, type Sample } from './stats';

export interface CommandShare {
  /** e.g. "find resources", "insert versions" */
  command: string;
  perOp: number;
  /** Mean driver-measured duration of one such command, ms. */
  meanMs: number;
}

export interface OpProfile {
  /** Repository calls, one at a time, with the CPU ms per call of this process and of FerretDB. */
  repo: Sample & { cpu: CpuShare };
  commands: CommandShare[];
  /** Sum over commands of perOp × meanMs: time spent waiting for the database, ms per operation. */
  dbMsPerOp: number;
}

class CommandLog {
  private started = new Map<number, string>();
  private totals = new Map<string, { n: number; ms: number }>();

  constructor(client: MongoClient) {
    client.on('commandStarted', (e) => {
      const target: unknown = (e.command as Record<string, unknown>)[e.commandName];
      this.started.set(
        e.requestId,
        typeof target === 'string' ? `${e.commandName} ${target}` : e.commandName,
      );
    });
    client.on('commandSucceeded', (e) => this.done(e.requestId, e.duration));
    client.on('commandFailed', (e) => this.done(e.requestId, e.duration));
  }

  private done(requestId: number, ms: number): void {
    const label = this.started.get(requestId);
    this.started.delete(requestId);
    if (label === undefined) return;
    const t = this.totals.get(label) ?? { n: 0, ms: 0 };
    t.n++;
    t.ms += ms;
    this.totals.set(label, t);
  }

  take(ops: number): CommandShare[] {
    const out = [...this.totals].map(([command, t]) => ({ command, perOp: t.n / ops, meanMs: t.ms / t.n }));
    this.totals.clear();
    return out.sort((a, b) => b.perOp * b.meanMs - a.perOp * a.meanMs);
  }
}

const dbMs = (c: CommandShare[]): number => c.reduce((s, x) => s + x.perOp * x.meanMs, 0);

/**
 * Profiles `creates` creates and `reads` reads of one resource type through the Repository (as configured on
 * FerretDB: no atomic conditional writes, no validation or search pipeline), sequentially.
 */
export async function profileRepository(
  uri: string,
  ferretdbPid: number,
  dbName: string,
  { type, json: body }: BenchResource,
  creates: number,
  reads: number,
): Promise<{ create: OpProfile; read: OpProfile }> {
  const pids = { client: process.pid, ferretdb: ferretdbPid };
  const client = new MongoClient(uri, { monitorCommands: true, directConnection: true });
  await client.connect();
  try {
    const db: Db = client.db(dbName);
    const repo = new Repository(db, NO_PIPELINE, false);
    const log = new CommandLog(client);
    const ids: string[] = [];
    let sent = 0;
    const createSample = await withCpu(pids, () =>
      runConcurrent(creates, 1, async () => {
        const id = newId();
        const tree = parseExact(numbered(body, 100_000 + sent++)) as JsonObject; // as the server parses each
        // as the server's POST: a server-assigned id, so no probe for an earlier version
        await repo.write(type, id, () => ({ kind: 'put', tree }), { method: 'POST', fresh: true });
        ids.push(id);
      }),
    );
    const createCommands = log.take(createSample.count);
    const readSample = await withCpu(pids, () =>
      runConcurrent(reads, 1, async () => {
        const s = await repo.read(type, pick(ids));
        if (s?.json === undefined) throw new Error('read found nothing');
      }),
    );
    const readCommands = log.take(readSample.count);
    return {
      create: { repo: createSample, commands: createCommands, dbMsPerOp: dbMs(createCommands) },
      read: { repo: readSample, commands: readCommands, dbMsPerOp: dbMs(readCommands) },
    };
  } finally {
    await client.close();
  }
}
