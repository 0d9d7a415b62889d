// `ephr-fhir reindex`: rebuilds the search index on the configured database after search parameters changed.
// Run it with the server stopped, or against the same MONGODB_URI while it runs (writes guard by version).
import pino from 'pino';
import { loggerOptions } from '../logger';
import { loadConfig } from '../config';
import { openServer } from '../server';
import type { Output } from './map';

export async function reindexCommand(io: Output): Promise<number> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const running = await openServer(config, pino(loggerOptions(config.logLevel)), { listen: false });
  const started = Date.now();
  try {
    const p = await running.ctx.repo.reindex((x) => io.err(`reindexed ${x.done} resources\r`));
    io.out(
      `${p.done} resources reindexed, ${p.changed} changed, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await running.close();
  }
  return 0;
}
