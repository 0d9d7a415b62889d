// Opens the database (embedded or MONGODB_URI), builds the app and listens; close() undoes it all in order.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config';
import { createApp } from './http/app';
import { handlers } from './interactions';
import type { ServerContext } from './interactions/types';
import { connectDatabase, isFerretDb, ping, withDbName, type Database } from './storage/database';
import { dropSecondaryIndexes, ensureIndexes } from './storage/collections';
import { adoptLegacyJournal } from './storage/journal';
import { recover } from './storage/recovery';
import { Repository, type Faults, type WritePipeline } from './storage/repository';
import { searchStore } from './storage/search-store';
import { createValidator, type Validator } from './validation';
import { isOwnQuestionnaire, seedQuestionnaires } from './interactions/conformance';
import { configureSearchParameters, indexResource, searchIndexes, searchParameterRegistry } from './search';
import { definitionsFingerprint, followDefinitions } from './storage/index-definitions';
import { projectRoot } from './project-root';
import path from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from './storage/embedded-ferretdb';

export interface RunningServer {
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  db: Database;
  repo: Repository;
  embedded: EmbeddedDb | undefined;
  /** What the interactions see: the CLI imports through it without HTTP. */
  ctx: ServerContext;
  close(): Promise<void>;
}

const RECOVERY_INTERVAL_MS = 15_000;

export interface ServerOptions {
  /** Test-only fault injection into the write pipeline. */
  faults?: Faults;
  /** False opens the database and the context without an HTTP listener (the CLI's embedded import). */
  listen?: boolean;
}

/** REQUIRE_PROFILES must name profiles we hold, each for the type it is listed under (else every write would fail). */
function checkRequiredProfiles(config: Config, validator: Validator): void {
  for (const [type, urls] of Object.entries(config.requiredProfiles)) {
    for (const url of urls) {
      const of = validator.profileType(url);
      if (of === undefined)
        throw new ConfigError(`REQUIRE_PROFILES: ${url} (for ${type}) is not a profile this server knows`);
      if (of !== type)
        throw new ConfigError(`REQUIRE_PROFILES: ${url} is a profile of ${of}, not of ${type}`);
    }
  }
}

export async function openServer(
  config: Config,
  logger: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  // Every definition is compiled here, before anything is opened or listens, so no request pays for a first use.
  const validator = createValidator({ profileDirs: [path.join(projectRoot, 'profiles')] });
  logger.info(validator.compiled, 'validator compiled');
  checkRequiredProfiles(config, validator);
  let embedded: EmbeddedDb | undefined;
  let uri = config.mongodbUri;
  if (uri === undefined) {
    embedded = await startEmbeddedDb({ dataDir: config.dataDir, port: config.embeddedDbPort });
    uri = embedded.uri;
    logger.info({ uri, dataDir: config.dataDir, pid: embedded.pid }, 'embedded FerretDB started');
  }
  let db: Database;
  try {
    db = await connectDatabase(withDbName(uri, config.dbName), config.dbName);
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  const atomic = !(await isFerretDb(db));
  configureSearchParameters({ extraSearchParameterDirs: [path.join(projectRoot, 'profiles')] });
  const pipeline: WritePipeline = {
    validate: (resource) =>
      validator.validate(resource, { profiles: config.requiredProfiles[resource.resourceType] ?? [] }),
    index: (resource) => indexResource(resource, { baseUrl: config.baseUrl }),
    protect: (type, id) =>
      isOwnQuestionnaire(validator, type, id)
        ? `${type}/${id} is the server's own: it changes with a release of the server, not through the API`
        : undefined,
  };
  const repo = new Repository(db.db!, pipeline, atomic, options.faults, config.resourceCacheMb * 2 ** 20);
  if (atomic)
    await ensureIndexes(
      repo.c,
      searchIndexes().map((key) => ({ key })),
    );
  else await dropSecondaryIndexes(repo.c);
  await adoptLegacyJournal(db.db!, repo.c);
  const recovered = await recover(repo);
  await followDefinitions(repo, definitionsFingerprint(searchParameterRegistry()), logger);
  if (recovered.rolledBack + recovered.rolledForward + recovered.repairedViews > 0) {
    logger.warn(recovered, 'recovered from an earlier crash');
  }
  const sweeper = setInterval(() => {
    recover(repo).catch((err: unknown) => logger.error({ err }, 'recovery sweep failed'));
  }, RECOVERY_INTERVAL_MS);
  sweeper.unref();
  const ctx: ServerContext = {
    config,
    logger,
    ready: () => ping(db),
    handlers,
    repo,
    search: { store: searchStore(repo, !atomic), hooks: {} },
    validator,
  };
  await seedQuestionnaires(ctx);
  const server = options.listen === false ? undefined : http.createServer(createApp(ctx));
  if (server) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, resolve);
      });
    } catch (err) {
      clearInterval(sweeper);
      await db.close();
      await embedded?.stop();
      throw err;
    }
  }
  const port = server ? (server.address() as AddressInfo).port : 0;
  let closing: Promise<void> | undefined;
  return {
    port,
    db,
    repo,
    embedded,
    ctx,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        if (server) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        await repo.finished.flush();
        await db.close();
        await embedded?.stop();
      })()),
  };
}
