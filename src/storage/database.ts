// The MongoDB connection (MongoDB in production, the embedded FerretDB by default): connect and wait for a ping.
import mongoose from 'mongoose';

export type Database = mongoose.Connection;

/** Adds the database name to a connection string, keeping its options (`directConnection` for FerretDB). */
export function withDbName(uri: string, dbName: string): string {
  const u = new URL(uri);
  u.pathname = '/' + dbName;
  return u.toString();
}

/**
 * How long an operation waits for a server it can talk to, and a connection for its handshake, before it fails
 * (and its request answers 503): a database that is down is seen in seconds, not after the driver's 30 s.
 */
export const SERVER_SELECTION_TIMEOUT_MS = 2500;

export async function connectDatabase(uri: string, dbName: string): Promise<Database> {
  const conn = mongoose.createConnection(uri, {
    dbName,
    serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    // The driver's own wait above, not mongoose's buffer of operations (10 s) while it is disconnected.
    bufferCommands: false,
    autoIndex: false,
  });
  await conn.asPromise();
  await ping(conn);
  return conn;
}

export async function ping(conn: Database): Promise<void> {
  if (!conn.db) throw new Error('database connection is not open');
  await conn.db.admin().command({ ping: 1 });
}

/** FerretDB answers buildInfo with a `ferretdbVersion` field; it lacks atomic conditional updates. */
export async function isFerretDb(conn: Database): Promise<boolean> {
  const info = await conn.db!.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info;
}
