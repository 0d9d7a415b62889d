// Composition root: configuration -> database -> app -> listen, and an orderly stop on signals or errors.
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { openServer, type RunningServer } from './server';
import { EmbeddedDbError } from './storage';

/**
 * Ends the process with `code` once stdout and stderr have passed on what they hold: writes to a pipe are
 * asynchronous on Linux, and process.exit() drops what is still queued (the last log lines). A reader that never
 * reads holds the exit up to 5 s. Used where a handle may outlive the work (a database left open by a failed
 * start, a client connection at a signal), so the process must be ended rather than left to end by itself.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = (): void => {
    if (--pending === 0) process.exit();
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
  setTimeout(() => process.exit(), 5000).unref();
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ephr-fhir: configuration error: ${err.message}\n`);
      process.exitCode = 1; // nothing is open yet: the process ends once stderr is written
      return;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  let running: RunningServer | undefined;
  const stop = async (code: number): Promise<void> => {
    await running?.close().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    logger.flush();
    exitWhenFlushed(code);
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
    exitWhenFlushed(1);
    return;
  }
  logger.info(
    { baseUrl: config.baseUrl, port: running.port, startupMs: Date.now() - started },
    `ephr-fhir listening: ${config.baseUrl}/metadata`,
  );
}

void main();
