// One entry of a batch or transaction Bundle as a request (bundle.html#transaction), run in-process through the
// handler its route names, and its answer as an entry of the response Bundle.
import { STATUS_CODES } from 'node:http';
import { bundleText, stringifyExact, type JsonObject } from '../fhir/json';
import { isRelativeReference } from '../fhir/references';
import { badRequest, fail, operationOutcome, OperationOutcomeError, type Issue } from '../fhir/outcome';
import { returnPreference } from './common';
import { route, type RouteMatch } from './routes';
import type { FhirRequest, FhirResponse, ServerContext } from './types';

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
    .map((x) => {
      try {
        return decodeURIComponent(x);
      } catch {
        throw badRequest(`request.url "${url}" is not valid percent-encoding`, `${where}.request.url`);
      }
    });
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

/**
 * 400 when two entries have the same fullUrl (bundle.html#bundle-unique: unique within a batch or transaction): a
 * reference to it would silently resolve to one of them. A relative fullUrl is the same as its absolute form.
 */
export function refuseDuplicateFullUrls(entries: unknown[], baseUrl: string): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const fullUrl = entry !== null && typeof entry === 'object' ? (entry as JsonObject).fullUrl : undefined;
    if (typeof fullUrl !== 'string') return;
    const key = isRelativeReference(fullUrl) ? `${baseUrl}/${fullUrl}` : fullUrl;
    const first = seen.get(key);
    if (first !== undefined)
      throw badRequest(
        `Bundle.entry[${first}] and Bundle.entry[${index}] have the same fullUrl "${fullUrl}": a fullUrl names one entry`,
        `Bundle.entry[${index}].fullUrl`,
      );
    seen.set(key, index);
  });
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

/**
 * What the entries of a Bundle take from the request that carried it: the base their URLs are on, and its `Prefer`
 * header. A transaction needs no more: an e-PHR import runs one on the server's base, without a Prefer.
 */
export interface BundleContext {
  baseUrl: string;
  prefer?: string | undefined;
}

/** Whether the response entries carry their resources: only when `Prefer: return=representation` says so. */
export function entriesWithResource(outer: BundleContext): boolean {
  return returnPreference(outer.prefer) === 'representation' && /return\s*=/.test(outer.prefer ?? '');
}

/** The entry as a request to dispatch in-process to the same handlers the HTTP edge uses. */
export function toFhirRequest(e: EntryRequest, outer: BundleContext): FhirRequest {
  const body = isPatch(e)
    ? patchBody(e)
    : e.resource === undefined
      ? undefined
      : { kind: 'resource' as const, text: stringifyExact(e.resource) };
  const headers = { ...e.headers, prefer: outer.prefer };
  return {
    method: e.method,
    route: e.route,
    query: e.query,
    headers,
    baseUrl: outer.baseUrl,
    ...(body && { body }),
  };
}

/** Runs a request through the handler its route names, as the HTTP edge would. */
export async function dispatch(ctx: ServerContext, r: FhirRequest): Promise<FhirResponse> {
  const handler = ctx.handlers[r.route.interaction];
  if (!handler) throw fail(405, 'not-supported', `The ${r.route.interaction} interaction is not supported`);
  return handler(ctx, r);
}

export const isPatch = (e: EntryRequest): boolean =>
  e.route.interaction === 'patch' || e.route.interaction === 'conditional-patch';

const JSON_PATCH = 'application/json-patch+json';

/**
 * The body of a PATCH entry (http.html#transaction, "the body of the PATCH is a Binary ... or Parameters"): a Binary
 * whose data is a base64 JSON Patch document, or a FHIRPath Patch Parameters resource.
 */
export function patchBody(e: EntryRequest): { kind: 'json-patch' | 'resource'; text: string } {
  const where = `Bundle.entry[${e.index}].resource`;
  const r = e.resource;
  if (r === undefined)
    throw badRequest('A PATCH entry needs entry.resource: a Binary or a Parameters', where);
  if (Array.isArray(r)) return { kind: 'json-patch', text: stringifyExact(r) }; // a bare JSON Patch, as some clients send
  if (r.resourceType === 'Parameters') return { kind: 'resource', text: stringifyExact(r) };
  if (r.resourceType !== 'Binary') {
    throw badRequest(
      `A PATCH entry's resource is a Binary (JSON Patch) or a Parameters (FHIRPath Patch), not ${String(r.resourceType)}`,
      `${where}.resourceType`,
    );
  }
  const mime = typeof r.contentType === 'string' ? r.contentType.split(';')[0]!.trim().toLowerCase() : '';
  if (mime !== JSON_PATCH) {
    throw fail(
      415,
      'not-supported',
      `Binary.contentType must be ${JSON_PATCH} in a PATCH entry (it is ${typeof r.contentType === 'string' ? `"${r.contentType}"` : 'absent'})`,
      `${where}.contentType`,
    );
  }
  const data = typeof r.data === 'string' ? r.data.replace(/\s+/g, '') : undefined;
  if (data === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) {
    throw badRequest('Binary.data must hold the JSON Patch document in base64', `${where}.data`);
  }
  return { kind: 'json-patch', text: Buffer.from(data, 'base64').toString('utf8') };
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

/** The batch-response or transaction-response Bundle of the entries' answers. */
export function responseBundle(
  type: 'batch-response' | 'transaction-response',
  entries: ResponseEntry[],
): string {
  return bundleText(
    { type },
    entries.map((e) => ({
      ...(e.fullUrl !== undefined && { fullUrl: e.fullUrl }),
      ...(e.resourceText !== undefined && { resourceText: e.resourceText }),
      response: e.response,
    })),
  );
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
