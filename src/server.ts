// Opens the database (embedded or MONGODB_URI), builds the app and listens; close() undoes it all in order.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config';
import { createApp } from './http/app';
import { handlers } from './interactions';
import type { ServerContext } from './interactions/types';
import { connectDatabase, ping, withDbName, type Database } from './storage/database';
import { startEmbeddedDb, type EmbeddedDb } from './storage/embedded-ferretdb';

export interface RunningServer {
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  db: Database;
  embedded: EmbeddedDb | undefined;
  close(): Promise<void>;
}

export async function openServer(config: Config, logger: Logger): Promise<RunningServer> {
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
  const ctx: ServerContext = { config, logger, ready: () => ping(db), handlers };
  const server = http.createServer(createApp(ctx));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    db,
    embedded,
    close: () =>
      (closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close();
        await embedded?.stop();
      })()),
  };
}
