// Composition root: configuration -> database -> app -> listen, and an orderly stop on signals or errors.
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { openServer, type RunningServer } from './server';
import { EmbeddedDbError } from './storage';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ephr-fhir: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  let running: RunningServer | undefined;
  const stop = async (code: number): Promise<void> => {
    await running?.close().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    logger.flush();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void stop(1);
  });
  try {
    running = await openServer(config, logger);
  } catch (err) {
    if (err instanceof EmbeddedDbError) process.stderr.write(`ephr-fhir: ${err.message}\n`);
    else logger.fatal({ err }, 'could not start');
    process.exit(1);
  }
  logger.info(
    { baseUrl: config.baseUrl, port: running.port, startupMs: Date.now() - started },
    `ephr-fhir listening: ${config.baseUrl}/metadata`,
  );
}

void main();
