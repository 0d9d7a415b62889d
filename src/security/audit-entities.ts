// What one request touched, for its AuditEvent's entities (IHE BALP, entity:data and entity:patient): every resource
// answered or written as `Type/id/_history/v`, and every patient they belong to, as references alone.
import type { JsonObject } from '../fhir/json';

/** A local or absolute reference to a Patient by id; conditional references (`Patient?identifier=`) never match. */
const PATIENT_REF =
  /^(?:https?:\/\/[^?#\s]*\/)?(Patient\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const RESOURCE_REF = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?/;
/** Bundles the server builds around resources (not stored Bundles, which carry a version). */
const ENVELOPES = new Set(['searchset', 'history', 'batch-response', 'transaction-response']);
/** Search parameters whose value names the patient a query is about. */
const PATIENT_PARAMS = new Set(['patient', 'subject', 'beneficiary']);

export interface Touched {
  /** `Type/id` or `Type/id/_history/v`, in the order met. */
  resources: string[];
  /** `Patient/id`. */
  patients: string[];
}

/** The `Patient/id` a reference names, if it names one. */
export function patientOf(reference: string): string | undefined {
  return PATIENT_REF.exec(reference)?.[1];
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every reference to a Patient anywhere in a resource (subject, patient, beneficiary, contained ones…). */
function patientsIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) patientsIn(v, out);
    return;
  }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'reference' && typeof v === 'string') {
      const p = patientOf(v);
      if (p) out.add(p);
    } else if (typeof v === 'object') patientsIn(v, out);
  }
}

function addResource(r: JsonObject, resources: Set<string>, patients: Set<string>): void {
  if (typeof r.resourceType !== 'string' || r.resourceType === 'OperationOutcome') return;
  if (typeof r.id === 'string') {
    const version = (r.meta as JsonObject | undefined)?.versionId;
    resources.add(`${r.resourceType}/${r.id}${typeof version === 'string' ? `/_history/${version}` : ''}`);
    if (r.resourceType === 'Patient') patients.add(`Patient/${r.id}`);
  }
  patientsIn(r, patients);
}

function addLocation(location: string, resources: Set<string>, patients: Set<string>): void {
  const local = location.replace(/^https?:\/\/[^?#\s]*?\/(?=[A-Z][A-Za-z]+\/)/, '');
  const m = RESOURCE_REF.exec(local);
  if (!m) return;
  const [, type, id, version] = m as unknown as [string, string, string, string?];
  const plain = `${type}/${id}`;
  if (![...resources].some((r) => r === plain || r.startsWith(plain + '/'))) {
    resources.add(version === undefined ? plain : `${plain}/_history/${version}`);
  }
  if (type === 'Patient') patients.add(plain);
}

export interface TouchedInput {
  body?: object | string;
  /** A deleted resource as it was: only its patients count. */
  before?: object | string;
  /** Location or Content-Location of the answer (a create answered with `return=minimal`). */
  location?: string;
  /** The resource the URL names (or the compartment's Patient): kept when the answer holds nothing (a 404, a 403). */
  type?: string;
  id?: string;
  query?: string;
}

function parsed(body: object | string | undefined): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function touched(input: TouchedInput): Touched {
  const resources = new Set<string>();
  const patients = new Set<string>();
  const body = parsed(input.body);
  if (isObject(body)) {
    const envelope =
      body.resourceType === 'Bundle' &&
      ENVELOPES.has(String(body.type)) &&
      (body.meta as JsonObject | undefined)?.versionId === undefined;
    if (!envelope) addResource(body, resources, patients);
    else {
      for (const e of Array.isArray(body.entry) ? (body.entry as unknown[]) : []) {
        if (!isObject(e)) continue;
        if (isObject(e.resource)) addResource(e.resource, resources, patients);
        const loc = (e.response as JsonObject | undefined)?.location;
        if (typeof loc === 'string') addLocation(loc, resources, patients);
      }
    }
  }
  const before = parsed(input.before);
  if (isObject(before)) addResource(before, new Set(), patients);
  if (input.location) addLocation(input.location, resources, patients);
  if (input.type && input.id) addLocation(`${input.type}/${input.id}`, resources, patients);
  for (const [name, value] of new URLSearchParams(input.query ?? '')) {
    const base = name.split(':')[0]!;
    if (!PATIENT_PARAMS.has(base)) continue;
    for (const v of value.split(',')) {
      const p =
        patientOf(v) ?? (base === 'patient' && /^[A-Za-z0-9\-.]{1,64}$/.test(v) ? `Patient/${v}` : undefined);
      if (p) patients.add(p);
    }
  }
  return { resources: [...resources], patients: [...patients] };
}
