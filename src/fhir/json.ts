// FHIR JSON that keeps decimals exact (json.html#primitive: "1.50" must come back as 1.50), and Bundles built as text.
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { badRequest } from './outcome';

/** A JSON value whose numbers are kept as their original text (LosslessNumber). */
export type ExactJson = unknown;
export type JsonObject = Record<string, unknown>;

/** Parses request JSON keeping every number's text; 400 with the position for malformed JSON. */
export function parseExact(text: string): ExactJson {
  try {
    return parse(text);
  } catch (err) {
    throw badRequest(`The body is not well-formed JSON: ${(err as Error).message}`);
  }
}

export function stringifyExact(value: ExactJson): string {
  const out = stringify(value);
  if (out === undefined) throw new Error('value cannot be serialised');
  return out;
}

export function cloneExact<T>(value: T): T {
  return parse(stringifyExact(value)) as T;
}

/** The same value with plain JS numbers, for validation, FHIRPath and indexing. */
export function toPlain<T = unknown>(value: ExactJson): T {
  return JSON.parse(stringifyExact(value)) as T;
}

export function isExactNumber(v: unknown): v is LosslessNumber {
  return isLosslessNumber(v);
}

/** Serialises with object keys sorted, so two equal resources give equal text whatever the key order. */
export function canonicalText(value: ExactJson): string {
  return stringifyExact(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object' && !isLosslessNumber(v)) {
    const o = v as JsonObject;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

/** An entry of a Bundle whose resource is already JSON text. */
export interface TextEntry {
  fullUrl?: string;
  resourceText?: string;
  search?: object;
  request?: object;
  response?: object;
}

/** Builds Bundle JSON around stored resource texts without re-parsing them (their decimals stay exact). */
export function bundleText(head: JsonObject, entries: TextEntry[]): string {
  const parts = entries.map((e) => {
    const fields: string[] = [];
    if (e.fullUrl !== undefined) fields.push(`"fullUrl":${JSON.stringify(e.fullUrl)}`);
    if (e.resourceText !== undefined) fields.push(`"resource":${e.resourceText}`);
    if (e.search !== undefined) fields.push(`"search":${JSON.stringify(e.search)}`);
    if (e.request !== undefined) fields.push(`"request":${JSON.stringify(e.request)}`);
    if (e.response !== undefined) fields.push(`"response":${JSON.stringify(e.response)}`);
    return `{${fields.join(',')}}`;
  });
  const headText = JSON.stringify({ resourceType: 'Bundle', ...head });
  return parts.length === 0 ? headText : `${headText.slice(0, -1)},"entry":[${parts.join(',')}]}`;
}
