// A test server whose driver reports every command it sends (command monitoring), and what a piece of work sent:
// for tests that a request reaches the database by `_id` only, or in fewer commands.
import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { startTestServer, testDatabaseUri, type TestServer } from './server';

export function startMonitoredServer(env: Record<string, string> = {}): Promise<TestServer> {
  const uri = testDatabaseUri();
  return startTestServer({
    MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`,
    ...env,
  });
}

/** The commands `server` sent to the database while `run` ran. */
export async function commandsDuring(
  server: TestServer,
  run: () => Promise<unknown>,
): Promise<CommandStartedEvent[]> {
  const client = (server.running.db as unknown as { getClient(): MongoClient }).getClient();
  const seen: CommandStartedEvent[] = [];
  const listen = (e: CommandStartedEvent) => seen.push(e);
  client.on('commandStarted', listen);
  try {
    await run();
  } finally {
    client.off('commandStarted', listen);
  }
  return seen;
}
