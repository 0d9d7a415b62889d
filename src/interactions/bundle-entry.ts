// One entry of a batch or transaction Bundle as a request (bundle.html#transaction), and its answer as an entry.
import { STATUS_CODES } from 'node:http';
import { stringifyExact, type JsonObject } from '../fhir/json';
import { badRequest, operationOutcome, OperationOutcomeError, type Issue } from '../fhir/outcome';
import { route, type RouteMatch } from './routes';
import type { FhirRequest, FhirResponse } from './types';

export interface EntryRequest {
  index: number;
  fullUrl?: string;
  method: string;
  url: string;
  route: RouteMatch;
  query: Array<[string, string]>;
  /** The entry's resource, with exact numbers. */
  resource?: JsonObject;
  headers: Record<string, string | undefined>;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function parseEntry(entry: unknown, index: number, baseUrl: string): EntryRequest {
  const where = `Bundle.entry[${index}]`;
  if (entry === null || typeof entry !== 'object')
    throw badRequest('A Bundle entry must be an object', where);
  const e = entry as JsonObject;
  const request = e.request as JsonObject | undefined;
  if (!request || typeof request.method !== 'string' || typeof request.url !== 'string') {
    throw badRequest(
      'Every batch/transaction entry needs request.method and request.url',
      `${where}.request`,
    );
  }
  const method = request.method.toUpperCase();
  if (!METHODS.has(method))
    throw badRequest(`Unknown request.method "${request.method}"`, `${where}.request.method`);
  let url = request.url;
  if (url.startsWith(baseUrl + '/')) url = url.slice(baseUrl.length + 1);
  else if (/^[a-z]+:/i.test(url))
    throw badRequest(`request.url "${url}" is not on this server`, `${where}.request.url`);
  const [path = '', search = ''] = url.split('?', 2) as [string, string?];
  const segments = path
    .split('/')
    .filter((x) => x !== '')
    .map((x) => decodeURIComponent(x));
  const out: EntryRequest = {
    index,
    method,
    url,
    route: withLocation(() => route(method, segments), `${where}.request.url`),
    query: [...new URLSearchParams(search).entries()],
    headers: {
      'if-match': str(request.ifMatch),
      'if-none-match': str(request.ifNoneMatch),
      'if-none-exist': str(request.ifNoneExist),
      'if-modified-since': str(request.ifModifiedSince),
    },
  };
  if (typeof e.fullUrl === 'string') out.fullUrl = e.fullUrl;
  if (e.resource !== undefined) {
    if (typeof e.resource !== 'object' || e.resource === null)
      throw badRequest('entry.resource must be a resource', where);
    out.resource = e.resource as JsonObject;
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function withLocation<T>(f: () => T, where: string): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      throw new OperationOutcomeError(
        err.status,
        err.issues.map((i) => ({ ...i, expression: [where] })),
      );
    }
    throw err;
  }
}

/** The entry as a request to dispatch in-process to the same handlers the HTTP edge uses. */
export function toFhirRequest(e: EntryRequest, outer: FhirRequest): FhirRequest {
  const body =
    e.resource === undefined
      ? undefined
      : {
          kind:
            e.route.interaction === 'patch' && Array.isArray(e.resource)
              ? ('json-patch' as const)
              : ('resource' as const),
          text: stringifyExact(e.resource),
        };
  const headers = { ...e.headers, prefer: outer.headers.prefer };
  return {
    method: e.method,
    route: e.route,
    query: e.query,
    headers,
    baseUrl: outer.baseUrl,
    ...(body && { body }),
  };
}

export interface ResponseEntry {
  response: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: object };
  fullUrl?: string;
  resourceText?: string;
}

export const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

/** An interaction's answer as a response entry; the resource only when the client asked for it. */
export function responseEntry(res: FhirResponse, withResource: boolean): ResponseEntry {
  const h = res.headers ?? {};
  const response: ResponseEntry['response'] = { status: statusLine(res.status) };
  if (h.Location) response.location = h.Location;
  if (h.ETag) response.etag = h.ETag;
  if (h['Last-Modified']) response.lastModified = new Date(h['Last-Modified']).toISOString();
  const out: ResponseEntry = { response };
  if (res.body !== undefined) {
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    const isOutcome = text.startsWith('{"resourceType":"OperationOutcome"');
    if (isOutcome) response.outcome = JSON.parse(text) as object;
    else if (withResource) out.resourceText = text;
  }
  return out;
}

/** An error as a response entry (batch) with the issues located in the Bundle. */
export function errorEntry(err: OperationOutcomeError, index: number): ResponseEntry {
  return {
    response: { status: statusLine(err.status), outcome: operationOutcome(locate(err.issues, index)) },
  };
}

/** Moves issue locations into the Bundle: `Patient.name` of entry 3 becomes `Bundle.entry[3].resource.name`. */
export function locate(issues: Issue[], index: number, fullUrl?: string): Issue[] {
  const prefix = `Bundle.entry[${index}]`;
  return issues.map((i) => ({
    ...i,
    diagnostics: `Entry ${index}${fullUrl ? ` (${fullUrl})` : ''}: ${i.diagnostics}`,
    expression: (i.expression ?? [prefix]).map((x) =>
      x.startsWith('Bundle.entry[')
        ? x
        : /^[A-Z][A-Za-z]+(\.|$)/.test(x)
          ? x.replace(/^[A-Z][A-Za-z]+/, `${prefix}.resource`)
          : `${prefix}.${x}`,
    ),
  }));
}
