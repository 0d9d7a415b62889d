// Opens storage: the database (the embedded FerretDB, or MONGODB_URI), its indexes, recovery of what a crash left,
// the search index brought up to the definitions, a recovery sweep; and the port over it (port.ts), which refuses
// writes when the data directory's disk is full (availability.ts).
import type { Logger } from 'pino';
import { AuditLog } from './audit-log';
import { searchIndexes, searchParameterRegistry, type SearchStore } from '../search';
import { dropSecondaryIndexes, ensureIndexes } from './collections';
import { connectDatabase, isFerretDb, ping, withDbName, type Database } from './database';
import { startEmbeddedDb, type EmbeddedDb, type EmbeddedDbEvent } from './embedded-ferretdb';
import { expunge } from './expunge';
import { DiskSpace, databaseUnavailable, storageFault } from './availability';
import type { OperationOutcomeError } from '../fhir/outcome';
import { readHistory } from './history';
import { definitionsFingerprint, followDefinitions } from './index-definitions';
import type { FhirRepository } from './port';
import { claim, claimInOrder, release } from './locks';
import { currentMany } from './bulk-read';
import { recover } from './recovery';
import { reindexAll } from './reindex';
import { Repository, type Faults, type WritePipeline } from './repository';
import { searchStore } from './search-store';
import { ReadLimits } from './read-bound';
import { commitTransaction } from './transaction';
import { openAccounts, type Accounts } from './accounts';

const RECOVERY_INTERVAL_MS = 15_000;
/** Expired sessions, codes and replayed-assertion records are removed this often (FerretDB has no TTL index). */
const ACCOUNT_SWEEP_INTERVAL_MS = 10 * 60_000;

export interface StorageOptions {
  /** A MongoDB server; undefined: the embedded database in `dataDir`. */
  mongodbUri: string | undefined;
  dbName: string;
  dataDir: string;
  embeddedDbPort: number;
  /** Writes stop when less than this is free on the embedded database's disk (DISK_FREE_MARGIN). */
  diskFreeMarginBytes: number;
  pipeline: WritePipeline;
  /** Characters of resource text kept in memory. */
  textCacheChars: number;
  logger: Logger;
  /** Test-only fault injection into the write pipeline. */
  faults?: Faults;
  /** Milliseconds one read of a search may run (DB_MAX_TIME_MS, read-bound.ts); default 10,000. */
  dbMaxTimeMs?: number;
}

export interface OpenStorage {
  repo: FhirRepository;
  search: SearchStore;
  /** The audit trail (audit-log.ts): append-only, hash-chained, read by auditors alone. */
  audit: AuditLog;
  /** Resolves when the database answers and its disk has room to write; otherwise rejects saying which (no data). */
  ready(): Promise<void>;
  /** The answer for every request while the database is known to be down (no need to wait for a timeout). */
  unavailable(): OperationOutcomeError | undefined;
  /** The answer a storage fault calls for (503 database down, 507 disk full); undefined for any other error. */
  fault(err: unknown): OperationOutcomeError | undefined;
  close(): Promise<void>;
  /** For tests and tools that look inside storage. */
  db: Database;
  repository: Repository;
  embedded: EmbeddedDb | undefined;
  /** The server's own application records: OAuth clients, user accounts, the authorization server's records. */
  accounts: Accounts;
}

/** The port over one repository: each interaction in one place, the modules that keep its promises behind it. */
export function fhirRepository(r: Repository, space: DiskSpace): FhirRepository {
  const room =
    <A extends unknown[], T>(f: (...a: A) => Promise<T>) =>
    async (...a: A): Promise<T> => {
      await space.roomToWrite();
      return f(...a);
    };
  return {
    read: (type, id) => r.read(type, id),
    vread: (type, id, versionId) => r.vread(type, id, versionId),
    history: async (q) => {
      const page = await readHistory(r.c, { ...q, visible: (v) => r.visible(v) });
      return { ...page, texts: await Promise.all(page.versions.map((v) => r.textOf(v))) };
    },
    write: room((type, id, decide, opts) => r.write(type, id, decide, opts)),
    prepare: (type, id, decide, opts, known) => r.prepare(type, id, decide, opts, known),
    currentMany: (keys) => currentMany(r, keys),
    commit: room((writes) => commitTransaction(r, writes)),
    claim: room((key, target) => claim(r, key, target)),
    claimInOrder: room((claims) => claimInOrder(r, claims)),
    release: (key, target) => release(r, key, target),
    expunge: (type, id) => expunge(r, type, id),
    reindex: room((onProgress) =>
      reindexAll(
        r.c,
        (resource) => r.indexOf(resource),
        (blobs) => r.textsOf(blobs),
        onProgress,
      ),
    ),
  };
}

export async function openStorage(o: StorageOptions): Promise<OpenStorage> {
  let embedded: EmbeddedDb | undefined;
  let uri = o.mongodbUri;
  if (uri === undefined) {
    embedded = await startEmbeddedDb({
      dataDir: o.dataDir,
      port: o.embeddedDbPort,
      onEvent: (e) => logEmbedded(o.logger, e),
    });
    uri = embedded.uri;
    o.logger.info({ uri, dataDir: o.dataDir, pid: embedded.pid }, 'embedded FerretDB started');
  }
  let db: Database;
  try {
    db = await connectDatabase(withDbName(uri, o.dbName), o.dbName);
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  const atomic = !(await isFerretDb(db));
  const repository = new Repository(db.db!, o.pipeline, atomic, o.faults, o.textCacheChars);
  // Only the embedded database's disk is ours to watch; a MongoDB server reports its own (OutOfDiskSpace).
  const space = new DiskSpace(embedded ? o.dataDir : undefined, o.diskFreeMarginBytes);
  const repo = fhirRepository(repository, space);
  // Known down: the embedded database died and is not back yet (a MongoDB server's state is learnt by timeouts).
  const unavailable = (): OperationOutcomeError | undefined =>
    embedded && !embedded.up ? databaseUnavailable('the embedded database is restarting') : undefined;
  const audit = new AuditLog(db.db!, o.faults, () => {
    const down = unavailable();
    if (down) throw down;
  });
  if (atomic) await audit.ensureIndexes();
  if (atomic)
    await ensureIndexes(
      repository.c,
      searchIndexes().map((key) => ({ key })),
    );
  else await dropSecondaryIndexes(repository.c);
  try {
    const recovered = await recover(repository);
    await followDefinitions(repo, repository.c, definitionsFingerprint(searchParameterRegistry()), o.logger);
    if (recovered.rolledBack + recovered.rolledForward + recovered.repairedViews > 0) {
      o.logger.warn(recovered, 'recovered from an earlier crash');
    }
  } catch (err) {
    if (!(await space.full()) && storageFault(err)?.status !== 507) throw err;
    // Start for reads: what a crash left is finished by the sweep below once there is room, and a changed search
    // index is rebuilt at the next start with room (the search keys of the definitions before serve until then).
    o.logger.error(
      { err, freeBytes: await space.free(), marginBytes: o.diskFreeMarginBytes },
      'the disk of the data directory is full: starting for reads only, writes answer 507 until space is freed',
    );
  }
  const sweeper = setInterval(() => {
    recover(repository).catch((err: unknown) => o.logger.error({ err }, 'recovery sweep failed'));
  }, RECOVERY_INTERVAL_MS);
  sweeper.unref();
  const accounts = openAccounts(db);
  const accountSweeper = setInterval(() => {
    accounts
      .sweep()
      .catch((err: unknown) => o.logger.error({ err }, 'sweep of expired OAuth records failed'));
  }, ACCOUNT_SWEEP_INTERVAL_MS);
  accountSweeper.unref();
  let closing: Promise<void> | undefined;
  return {
    repo,
    search: searchStore(repository, !atomic, new ReadLimits(o.dbMaxTimeMs ?? 10_000)),
    audit,
    unavailable,
    ready: async () => {
      const down = unavailable();
      if (down) throw down;
      await ping(db);
      if (await space.full()) throw new Error('the disk of the data directory is full');
    },
    fault: storageFault,
    db,
    repository,
    embedded,
    accounts,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        clearInterval(accountSweeper);
        await repository.finished.flush();
        await db.close();
        await embedded?.stop();
      })()),
  };
}

/** One log line per death and restart of the embedded database: codes, attempts and delays, nothing else. */
function logEmbedded(logger: Logger, e: EmbeddedDbEvent): void {
  if (e.event === 'restarted') logger.warn(e, 'embedded database restarted');
  else logger.error(e, `embedded database ${e.event === 'exited' ? 'exited' : 'did not restart'}`);
}
