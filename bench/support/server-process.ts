// Child-process entry: one ephr-fhir server (openServer) on the benchmark's database, in a process of its own so
// that the load generator does not share its event loop. Talks to the parent over IPC: sends {port}, stops on
// "stop" or when the parent goes away.
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { openServer, type RunningServer } from '../../src/server';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const running: RunningServer = await openServer(config, pino({ level: config.logLevel }));
  const stop = async (): Promise<void> => {
    await running.close();
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  if (!process.connected) return stop(); // the parent went away while we started
  process.send?.({ port: running.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
