// Starts and stops an ephr-fhir server in a child process (server-process.ts) for the HTTP benchmarks, or the bare
// HTTP front the REST benchmark sets beside it (http-front.ts).
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export interface BenchServer {
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  /**
   * True (the default): requests without a token act as the development caller (DEV_UNAUTHENTICATED=loopback): the
   * benchmarks of storage and search. False: every request needs a bearer token (bench/access.ts).
   */
  devUnauthenticated?: boolean;
  /** Listen on this port, with BASE_URL http://127.0.0.1:PORT/fhir (the token audience); 0 (default): any. */
  port?: number;
  /** Where the server keeps its signing keys (DATA_DIR); the default is ./data of the working directory. */
  dataDir?: string;
}

/** `mongodbUri` without a database name; the server uses `dbName` on it. Loopback only, logs silenced. */
export async function startBenchServer(
  mongodbUri: string,
  dbName: string,
  entry: 'server-process' | 'http-front' = 'server-process',
  options: BenchServerOptions = {},
): Promise<BenchServer> {
  const port = options.port ?? 0;
  const child = fork(path.join(__dirname, `${entry}.js`), [], {
    env: {
      ...process.env,
      PORT: String(port),
      ...(port !== 0 && { BASE_URL: `http://127.0.0.1:${port}/fhir` }),
      ...(options.dataDir !== undefined && { DATA_DIR: options.dataDir }),
      HOST: '127.0.0.1',
      MONGODB_URI: mongodbUri,
      DB_NAME: dbName,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      // the benchmarks measure storage and search; the access rules' cost is bench/access.ts's
      DEV_UNAUTHENTICATED: options.devUnauthenticated === false ? '' : 'loopback',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let bound: number;
  try {
    bound = await waitForPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const url = `http://127.0.0.1:${bound}`;
  return {
    url,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send('stop');
      }),
  };
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the benchmark server did not start within 60 s')),
      60_000,
    );
    child.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (typeof m?.port === 'number') resolve(m.port);
      else reject(new Error(`unexpected message from the benchmark server: ${JSON.stringify(m)}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the benchmark server exited at start (${code ?? signal})`));
    });
  });
}

/** A port free on loopback now (for a server whose BASE_URL must name its port before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
