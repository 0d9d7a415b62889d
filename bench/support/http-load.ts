// HTTP load through autocannon, with every 2xx response's latency kept (sub-millisecond) so that the server's
// figures are computed exactly like the driver's (stats.ts), not from autocannon's whole-millisecond histogram.
import autocannon from 'autocannon';
import type { Sample } from './stats';

const FHIR_JSON = 'application/fhir+json';

interface Load {
  url: string;
  amount: number;
  connections: number;
  request: autocannon.Request;
  /** Stop issuing requests after this many ms (the sample then holds fewer). */
  deadlineMs: number;
}

async function load({ url, amount, connections, request, deadlineMs }: Load): Promise<Sample> {
  const latencies: number[] = [];
  const started = performance.now();
  // autocannon notices that it is done on its once-a-second tick: throughput runs to the last answer instead.
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, amount, connections, pipelining: 1, timeout: 10, requests: [request] },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    const timer = setTimeout(() => instance.stop(), deadlineMs);
    instance.once('done', () => clearTimeout(timer));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      lastAnswer = performance.now();
    });
  });
  return {
    count: latencies.length,
    errors: result.errors + result.non2xx,
    wallMs: lastAnswer - started,
    latencies,
  };
}

/** `amount` POSTs to /fhir/<type> (the nth with `body(n)`); resolves with the sample and the server-assigned ids. */
export async function httpCreates(
  url: string,
  type: string,
  body: string | ((n: number) => string),
  amount: number,
  connections: number,
  deadlineMs = 60_000,
  headers: Record<string, string> = {},
): Promise<{ sample: Sample; ids: string[] }> {
  const ids: string[] = [];
  let sent = 0;
  const bodyFor = typeof body === 'string' ? () => body : body;
  const pattern = new RegExp(`/${type}/([A-Za-z0-9.-]{1,64})/_history/`);
  const sample = await load({
    url,
    amount,
    connections,
    deadlineMs,
    request: {
      method: 'POST',
      path: `/fhir/${type}`,
      headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON, ...headers },
      setupRequest: (req) => ({ ...req, body: bodyFor(sent++) }),
      onResponse: (status, _body, _context, headers) => {
        // autocannon keeps the header names as sent (Express sends "Location").
        const location = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'location')?.[1];
        const id = pattern.exec(String(location ?? ''))?.[1];
        if (status === 201 && id !== undefined) ids.push(id);
      },
    },
  });
  return { sample, ids };
}

/** `amount` GETs of /fhir/<type>/<id>, each id drawn at random from `ids`. */
export function httpReads(
  url: string,
  type: string,
  ids: readonly string[],
  amount: number,
  connections: number,
  deadlineMs = 60_000,
  headers: Record<string, string> = {},
): Promise<Sample> {
  return httpGets(url, () => `/fhir/${type}/${pick(ids)}`, amount, connections, deadlineMs, headers);
}

/** `amount` GETs of the paths `next` gives, one per request (a search, for example); `headers` on each. */
export function httpGets(
  url: string,
  next: () => string,
  amount: number,
  connections: number,
  deadlineMs = 60_000,
  headers: Record<string, string> = {},
): Promise<Sample> {
  return load({
    url,
    amount,
    connections,
    deadlineMs,
    request: {
      method: 'GET',
      headers: { accept: FHIR_JSON, ...headers },
      setupRequest: (req) => ({ ...req, path: next() }),
    },
  });
}

/** One GET of /fhir/<type>/<id> per id, in the order given (each resource read once). */
export function httpReadsEach(
  url: string,
  type: string,
  ids: readonly string[],
  connections: number,
  deadlineMs = 60_000,
  headers: Record<string, string> = {},
): Promise<Sample> {
  let next = 0;
  return httpGets(
    url,
    () => `/fhir/${type}/${ids[next++ % ids.length]}`,
    ids.length,
    connections,
    deadlineMs,
    headers,
  );
}

export function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}
