// HTTP-level FHIR conventions shared by the interactions: ETag, Last-Modified, Location, If-Match, Prefer.
import type { Resource } from 'fhir/r4';
import { parseExact, type JsonObject } from '../fhir/json';
import { allOk, badRequest, fail } from '../fhir/outcome';
import type { StoredResource } from '../storage';
import type { FhirRequest, FhirResponse } from './types';

export const etag = (versionId: number): string => `W/"${versionId}"`;

export function versionHeaders(s: StoredResource): Record<string, string> {
  return { ETag: etag(s.versionId), 'Last-Modified': s.lastUpdated.toUTCString() };
}

export function location(baseUrl: string, s: StoredResource): string {
  return `${baseUrl}/${s.type}/${s.id}/_history/${s.versionId}`;
}

/** `If-Match: W/"3"` (or `"3"`, or `3`) as a version number; anything else is a 400. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!m) throw badRequest(`If-Match "${header}" is not a version ETag such as W/"3"`);
  return Number(m[1]);
}

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** `Prefer: return=...` (http.html#ops); representation by default. */
export function returnPreference(prefer: string | undefined): ReturnPreference {
  const m = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(prefer ?? '');
  if (!m) return 'representation';
  const v = m[1]!.toLowerCase();
  return v === 'minimal' ? 'minimal' : v === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

/** The search part of a conditional request's URL, without `_format`. */
export function queryString(req: FhirRequest): string {
  return new URLSearchParams(req.query.filter(([k]) => k !== '_format')).toString();
}

/** The request body as an exact JSON resource; 400 when absent or not JSON. */
export function resourceBody(req: FhirRequest): JsonObject {
  if (!req.body) throw badRequest('The request needs a body holding a FHIR resource');
  if (req.body.kind !== 'resource')
    throw fail(415, 'not-supported', 'Send the resource as application/fhir+json');
  const tree = parseExact(req.body.text);
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw badRequest('The body must be a JSON object holding a FHIR resource');
  }
  return tree as JsonObject;
}

/** The answer to a create, update or patch, shaped by `Prefer: return`. */
export function writeResponse(
  req: FhirRequest,
  stored: StoredResource,
  status: number,
  message: string,
  extraHeaders: Record<string, string> = {},
): FhirResponse {
  const headers = { ...versionHeaders(stored), ...extraHeaders };
  switch (returnPreference(req.headers.prefer)) {
    case 'minimal':
      return { status, headers };
    case 'OperationOutcome':
      return { status, headers, body: allOk(message) };
    case 'representation':
      return { status, headers, ...(stored.json !== undefined && { body: stored.json }) };
  }
}

export type { Resource };
