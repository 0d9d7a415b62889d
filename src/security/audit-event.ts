// One AuditEvent per FHIR request, shaped after IHE Basic Audit Log Patterns (BALP,
// https://profiles.ihe.net/ITI/BALP/): type `rest`, the RESTful interaction as subtype, the client, the user and
// this server as agents, the patients, the resources and the query as entities. Only references and codes: never
// a name, an identifier of a patient, resource content or the token.
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from 'fhir/r4';
import type { JsonObject } from '../fhir/json';
import type { AuditLog } from '../storage';
import type { Principal } from './principal';
import { touched } from './audit-entities';

export interface AuditInput {
  /** Absent: the request had no valid token (a 401). */
  principal?: Principal;
  /** The route's interaction (interactions/routes.ts Interaction), an operation name like '$import-ephr', or
   * 'break-glass'; 'unknown' when the URL named no interaction. */
  interaction: string;
  /** e.g. GET, /fhir/Observation */
  method: string;
  path: string;
  /** The type and id the URL names; for a compartment search, the compartment (Patient and its id). */
  type?: string;
  id?: string;
  /** The query string (recorded base64 in entity.query, as BALP does). */
  query?: string;
  /** The HTTP status answered. */
  status: number;
  /** What was answered (a resource or Bundle, object or JSON text). */
  body?: object | string;
  /** The resource as it was before a delete: the patients it belonged to are named (nothing else of it). */
  before?: object | string;
  /** Location or Content-Location of the answer (a create answered with `Prefer: return=minimal`). */
  location?: string;
  /** The caller's network address. */
  address?: string;
  requestId?: string;
  /** v3-ActReason, e.g. 'TREAT', 'BTG' (break-glass). */
  purposeOfUse?: string;
  breakGlassReason?: string;
}

export interface AuditTrail {
  /** Resolves once the event is stored; rejects when it could not be (the request must then fail). */
  record(input: AuditInput): Promise<void>;
}

/** Who this server is in its events, and whose identifiers user and client ids are. */
export interface AuditSource {
  /** The FHIR base URL. */
  baseUrl: string;
  /** The token issuer (config.auth.issuer, or this server's own `<origin>/oauth`): the system of user ids. */
  issuer: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
/** The server's own subtypes, for events that are not one RESTful interaction. */
export const EPHR_AUDIT_SUBTYPE = 'http://ephr-fhir.org/fhir/CodeSystem/audit-event-subtype';

/** The restful-interaction code of each route interaction (no code of its own: search-compartment, conditionals). */
const SUBTYPE: Record<string, string> = {
  capabilities: 'capabilities',
  batch: 'batch',
  'search-system': 'search-system',
  'history-system': 'history-system',
  'operation-system': 'operation',
  'operation-type': 'operation',
  'operation-instance': 'operation',
  create: 'create',
  'search-type': 'search-type',
  'search-compartment': 'search-type',
  'history-type': 'history-type',
  'history-instance': 'history-instance',
  'conditional-update': 'update',
  'conditional-delete': 'delete',
  'conditional-patch': 'patch',
  read: 'read',
  vread: 'vread',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
};
const ACTION: Record<string, AuditEvent['action']> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  update: 'U',
  patch: 'U',
  'conditional-update': 'U',
  'conditional-patch': 'U',
  delete: 'D',
  'conditional-delete': 'D',
  // an erasure (operations/expunge.ts) deletes every version
  $expunge: 'D',
};
const METHOD_ACTION: Record<string, AuditEvent['action']> = {
  GET: 'R',
  HEAD: 'R',
  POST: 'C',
  PUT: 'U',
  PATCH: 'U',
  DELETE: 'D',
};

function subtypes(input: AuditInput, bodyType: string | undefined): Coding[] {
  if (input.interaction === 'batch' && bodyType === 'transaction-response')
    return [{ system: RESTFUL, code: 'transaction' }];
  const code = SUBTYPE[input.interaction];
  if (code) return [{ system: RESTFUL, code }];
  if (input.interaction.startsWith('$'))
    return [
      { system: RESTFUL, code: 'operation' },
      { system: EPHR_AUDIT_SUBTYPE, code: input.interaction },
    ];
  if (input.interaction === 'break-glass') return [{ system: EPHR_AUDIT_SUBTYPE, code: 'break-glass' }];
  return [];
}

function action(input: AuditInput): AuditEvent['action'] {
  const a =
    ACTION[input.interaction] ??
    (SUBTYPE[input.interaction] || input.interaction.startsWith('$') || input.interaction === 'break-glass'
      ? 'E'
      : (METHOD_ACTION[input.method] ?? 'E'));
  // an update that created the resource (update as create) is a create
  return a === 'U' && input.status === 201 ? 'C' : a;
}

/** BALP outcome: 0 success, 4 minor failure (the caller's: 4xx), 8 serious failure (the server's: 5xx). */
function outcome(status: number): AuditEvent['outcome'] {
  return status < 400 ? '0' : status < 500 ? '4' : '8';
}

function purpose(code: string | undefined, reason: string | undefined): AuditEventAgent['purposeOfUse'] {
  if (!code) return undefined;
  return [{ coding: [{ system: ACT_REASON, code }], ...(reason && { text: reason }) }];
}

function agents(input: AuditInput, src: AuditSource): AuditEventAgent[] {
  const p = input.principal;
  const clinic = p?.clinic ? { assigner: { reference: `Organization/${p.clinic}` } } : {};
  const policy = p?.tokenId ? { policy: [p.tokenId] } : {};
  const network = input.address ? { network: { address: input.address, type: '2' as const } } : {};
  const why = purpose(input.purposeOfUse, input.breakGlassReason);
  const roles = p && p.roles.size > 0 ? { role: [...p.roles].map((r) => ({ text: r })) } : {};
  const server: AuditEventAgent = {
    type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
    who: { identifier: { system: 'urn:ietf:rfc:3986', value: src.baseUrl } },
    requestor: false,
    network: { address: src.baseUrl, type: '5' },
  };
  const clientType = { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] };
  if (!p) {
    return [
      {
        type: clientType,
        who: { display: 'unauthenticated caller' },
        requestor: true,
        ...network,
        ...(why && { purposeOfUse: why }),
      },
      server,
    ];
  }
  const client: AuditEventAgent = {
    type: clientType,
    who: {
      identifier: { system: `${src.issuer}/clients`, value: p.client, ...(p.kind === 'system' && clinic) },
    },
    requestor: p.kind === 'system',
    ...network,
    ...(p.kind === 'system' && { ...roles, ...policy, ...(why && { purposeOfUse: why }) }),
  };
  if (p.kind === 'system') return [client, server];
  const user: AuditEventAgent = {
    type: { coding: [{ system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] },
    who: {
      identifier: { system: src.issuer, value: p.subject, ...clinic },
      ...(p.kind === 'development' && { display: 'development caller (DEV_UNAUTHENTICATED=loopback)' }),
    },
    requestor: true,
    ...roles,
    ...policy,
    ...(why && { purposeOfUse: why }),
  };
  return [client, user, server];
}

const entityOf = (reference: string, type: string, role: string, display: string): AuditEventEntity => ({
  what: { reference },
  type: { system: ENTITY_TYPE, code: type },
  role: { system: OBJECT_ROLE, code: role, display },
});

/** The AuditEvent of one request (no id: the audit log numbers it). */
export function auditEvent(input: AuditInput, src: AuditSource, now = new Date()): AuditEvent {
  let bodyType: string | undefined;
  if (typeof input.body === 'object') bodyType = String((input.body as JsonObject).type);
  else if (typeof input.body === 'string' && input.interaction === 'batch')
    bodyType = /"type"\s*:\s*"(transaction-response|batch-response)"/.exec(input.body.slice(0, 200))?.[1];
  const t = touched(input);
  const entity: AuditEventEntity[] = [
    ...t.patients.map((p) => entityOf(p, '1', '1', 'Patient')),
    ...t.resources.map((r) => entityOf(r, '2', '4', 'Domain Resource')),
  ];
  if (input.query)
    entity.push({
      type: { system: ENTITY_TYPE, code: '2' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(input.query, 'utf8').toString('base64'),
    });
  if (input.requestId)
    entity.push({
      what: { identifier: { system: 'urn:ephr-fhir:request-id', value: input.requestId } },
      type: { system: ENTITY_TYPE, code: '4', display: 'Other' },
    });
  const st = subtypes(input, bodyType);
  const why = purpose(input.purposeOfUse, undefined);
  return {
    resourceType: 'AuditEvent',
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    ...(st.length > 0 && { subtype: st }),
    action: action(input),
    recorded: now.toISOString(),
    outcome: outcome(input.status),
    outcomeDesc: `${input.method} ${input.path}: HTTP ${input.status}`,
    ...(why && { purposeOfEvent: why }),
    agent: agents(input, src),
    source: {
      observer: { display: 'ephr-fhir', identifier: { system: 'urn:ietf:rfc:3986', value: src.baseUrl } },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    ...(entity.length > 0 && { entity }),
  };
}

/** The trail the HTTP edge records into: each event appended to the audit log before the answer goes out. */
export function auditTrail(log: AuditLog, src: AuditSource): AuditTrail {
  return {
    record: async (input) => {
      await log.append(auditEvent(input, src) as unknown as JsonObject);
    },
  };
}
