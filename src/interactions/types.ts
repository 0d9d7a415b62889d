// The transport-free shape of a FHIR interaction: a plain request in, a plain response out.
import type { Config } from '../config';
import type { OperationOutcomeError } from '../fhir/outcome';
import type { Interaction, RouteMatch } from './routes';
import type { Logger } from 'pino';
import type { SearchHooks, SearchStore } from '../search';
import type { FhirRepository } from '../storage';
import type { Validator } from '../validation';
import type { Principal } from '../security/principal';

/** What a request body holds, from its Content-Type (http.html#mime-type). */
export type BodyKind = 'resource' | 'json-patch' | 'form' | 'csv';

export interface FhirRequest {
  method: string;
  route: RouteMatch;
  /** Query parameters in their order; a repeated name appears more than once. */
  query: Array<[string, string]>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body?: { kind: BodyKind; text: string };
  baseUrl: string;
}

export interface FhirResponse {
  status: number;
  /** A resource object, or a resource already serialised as JSON text (kept exact, decimals included). */
  body?: object | string;
  headers?: Record<string, string>;
}

export interface ServerContext {
  config: Config;
  logger: Logger;
  /** Resolves when the database answers and has room to write; rejects saying which otherwise. Used by /readyz. */
  ready(): Promise<void>;
  /** The answer for every request while the database is known to be down; undefined while it may answer. */
  unavailable(): OperationOutcomeError | undefined;
  /** The answer a storage fault calls for (503 database down, 507 disk full); undefined for any other error. */
  storageFault(err: unknown): OperationOutcomeError | undefined;
  repo: FhirRepository;
  search: { store: SearchStore; hooks: SearchHooks };
  validator: Validator;
  /** Where SMART clients get tokens (CapabilityStatement.rest.security), when this server issues them itself. */
  oauth?: { token: string; authorize?: string };
  /** The caller of this request (security/guard.ts makes the context of each request); absent at start-up. */
  principal?: Principal;
  /** The interactions this server implements; the CapabilityStatement is built from them. */
  handlers: Partial<Record<Interaction, Handler>>;
}

export type Handler = (ctx: ServerContext, req: FhirRequest) => Promise<FhirResponse> | FhirResponse;
