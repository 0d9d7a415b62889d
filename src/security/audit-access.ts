// AuditEvent through the REST API (issue 16 point 8): read and search answered from the audit log, for an auditor
// alone (the `auditor` role and a scope naming AuditEvent: `*` scopes do not cover it); every other interaction on
// AuditEvent, and AuditEvent entries in a batch or transaction, refused: the trail is written by the server alone.
import type { CapabilityStatement } from 'fhir/r4';
import { bundleText, type JsonObject } from '../fhir/json';
import { parseDateRange } from '../fhir/instant';
import { badRequest, fail, notFound } from '../fhir/outcome';
import type { Handler, ServerContext } from '../interactions/types';
import type { Interaction } from '../interactions/routes';
import { TRANSPORT_PARAMETERS } from '../search';
import type { AuditLog, AuditQuery, AuditSearchField } from '../storage';
import { hasRole } from './principal';
import { grants, type Action } from './scopes';

const AUDIT = 'AuditEvent';
const WRITTEN_BY_SERVER =
  'the audit trail is written by the server alone: AuditEvents are only read and searched, by an auditor';
const ID = /^\d{12}$/;
/** Search parameters and the audit log field each reads; values are references (or, for agent, identifiers). */
const FIELDS: Record<string, AuditSearchField> = {
  patient: 'patients',
  agent: 'agents',
  'agent:identifier': 'agents',
  entity: 'entities',
};
const DATE_OPS = { gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' } as const;

function mayRead(ctx: ServerContext, action: Action): void {
  const p = ctx.principal;
  if (p && hasRole(p, 'auditor') && grants(p.scopes, AUDIT, action).length > 0) return;
  throw fail(
    403,
    'forbidden',
    'Reading the audit trail needs the auditor role and a scope that names AuditEvent (e.g. user/AuditEvent.rs)',
  );
}

/** `Patient/x`, `x` (for patient) or an absolute URL on this server: the stored `Type/id`. */
function reference(param: string, value: string, base: string): string {
  const local = value.startsWith(base + '/') ? value.slice(base.length + 1) : value;
  if (param === 'patient' && /^[A-Za-z0-9\-.]{1,64}$/.test(local)) return `Patient/${local}`;
  return local;
}

function auditQuery(ctx: ServerContext, query: Array<[string, string]>, compartment?: string): AuditQuery {
  const q: AuditQuery = { match: [], recorded: [], count: ctx.config.searchDefaultCount };
  if (compartment) q.match.push({ field: 'patients', anyOf: [compartment] });
  for (const [name, value] of query) {
    const field = Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined;
    if (field) {
      const values = value
        .split(',')
        .map((v) => (name === 'agent:identifier' ? v : reference(name, v, ctx.config.baseUrl)));
      q.match.push({ field, anyOf: values });
    } else if (name === 'date') {
      const m = /^(eq|gt|ge|lt|le)?(.*)$/.exec(value)!;
      const prefix = m[1] ?? 'eq';
      const range = parseDateRange(m[2]!, 'date');
      if (prefix === 'eq') q.recorded.push({ op: '$gte', at: range.start }, { op: '$lt', at: range.end });
      else if (prefix === 'gt' || prefix === 'le')
        q.recorded.push({ op: prefix === 'gt' ? '$gte' : '$lt', at: range.end });
      else q.recorded.push({ op: DATE_OPS[prefix as 'ge' | 'lt'], at: range.start });
    } else if (name === '_count') {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1)
        throw badRequest(`_count: "${value}" is not a positive whole number`, '_count');
      q.count = Math.min(n, ctx.config.searchMaxCount);
    } else if (name === '_cursor') {
      if (!ID.test(value))
        throw badRequest('_cursor: not a cursor of this search (the link was edited)', '_cursor');
      q.before = value;
    } else if (!TRANSPORT_PARAMETERS.has(name)) {
      throw badRequest(
        `The search parameter "${name}" is not supported on AuditEvent here; supported: patient, agent, agent:identifier, entity, date (eq, gt, ge, lt, le), _count`,
        name,
      );
    }
  }
  return q;
}

function readEvent(log: AuditLog): Handler {
  return async (ctx, req) => {
    mayRead(ctx, 'r');
    const { id, vid } = req.route;
    const text =
      id !== undefined && ID.test(id) && (vid === undefined || vid === '1') ? await log.read(id) : undefined;
    if (text === undefined)
      throw notFound(`AuditEvent/${id ?? ''}${vid ? `/_history/${vid}` : ''} is not known`);
    return { status: 200, body: text };
  };
}

function searchEvents(log: AuditLog): Handler {
  return async (ctx, req) => {
    mayRead(ctx, 's');
    const compartment =
      req.route.interaction === 'search-compartment'
        ? `${req.route.compartmentType}/${req.route.id}`
        : undefined;
    if (compartment && !compartment.startsWith('Patient/'))
      throw fail(
        404,
        'not-found',
        `AuditEvents are searched by patient, not in the ${req.route.compartmentType} compartment`,
      );
    const params = req.query.filter(([k]) => k !== '_cursor');
    const q = auditQuery(ctx, req.query, compartment);
    const page = await log.search(q);
    const at = compartment
      ? `${ctx.config.baseUrl}/${compartment}/${AUDIT}`
      : `${ctx.config.baseUrl}/${AUDIT}`;
    const url = (extra: Array<[string, string]>): string => {
      const all = [...params, ...extra];
      return all.length > 0 ? `${at}?${new URLSearchParams(all).toString()}` : at;
    };
    const self = req.query.find(([k]) => k === '_cursor');
    const link = [{ relation: 'self', url: url(self ? [self] : []) }];
    if (page.next) link.push({ relation: 'next', url: url([['_cursor', page.next]]) });
    return {
      status: 200,
      body: bundleText(
        { type: 'searchset', link },
        page.events.map((text) => ({
          fullUrl: `${ctx.config.baseUrl}/${AUDIT}/${/"id":"(\d+)"/.exec(text)?.[1] ?? ''}`,
          resourceText: text,
          search: { mode: 'match' },
        })),
      ),
    };
  };
}

const refuse: Handler = () => {
  throw fail(405, 'not-supported', WRITTEN_BY_SERVER);
};

/** The first type a batch or transaction entry's URL names, and the compartment search's target type. */
function entryTypes(url: string, base: string): string[] {
  const local = url.startsWith(base + '/') ? url.slice(base.length + 1) : url;
  const segments = (local.split('?', 1)[0] ?? '').split('/');
  return [segments[0] ?? '', segments[2] ?? ''];
}

function refuseAuditEntries(handler: Handler): Handler {
  return (ctx, req) => {
    let bundle: JsonObject | undefined;
    try {
      bundle = req.body?.kind === 'resource' ? (JSON.parse(req.body.text) as JsonObject) : undefined;
    } catch {
      bundle = undefined; // the batch handler says what is wrong with it
    }
    const entries = Array.isArray(bundle?.entry) ? (bundle.entry as unknown[]) : [];
    for (const [i, e] of entries.entries()) {
      const url = ((e as JsonObject | null)?.request as JsonObject | undefined)?.url;
      if (typeof url === 'string' && entryTypes(url, req.baseUrl).includes(AUDIT))
        throw fail(
          403,
          'forbidden',
          `Bundle.entry[${i}]: ${WRITTEN_BY_SERVER}; nor are they read in a Bundle`,
          `Bundle.entry[${i}].request.url`,
        );
    }
    return handler(ctx, req);
  };
}

/** The CapabilityStatement says what AuditEvent is here: read and searched (these parameters), nothing more. */
function auditCapabilities(handler: Handler): Handler {
  return async (ctx, req) => {
    const out = await handler(ctx, req);
    const body = out.body as CapabilityStatement | undefined;
    for (const rest of typeof body === 'object' ? (body.rest ?? []) : []) {
      rest.resource = (rest.resource ?? []).map((r) =>
        r.type !== AUDIT
          ? r
          : {
              type: r.type,
              documentation: WRITTEN_BY_SERVER,
              interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }],
              versioning: 'no-version',
              readHistory: false,
              updateCreate: false,
              conditionalRead: 'not-supported',
              searchParam: (r.searchParam ?? []).filter((p) =>
                ['patient', 'agent', 'entity', 'date'].includes(p.name),
              ),
            },
      );
    }
    return out;
  };
}

/** The handler table with AuditEvent answered from the audit log and every way of writing one refused. */
export function withAuditTrail(
  handlers: Partial<Record<Interaction, Handler>>,
  log: AuditLog,
): Partial<Record<Interaction, Handler>> {
  const special: Partial<Record<Interaction, Handler>> = {
    read: readEvent(log),
    vread: readEvent(log),
    'search-type': searchEvents(log),
    'search-compartment': searchEvents(log),
  };
  const out: Partial<Record<Interaction, Handler>> = {};
  for (const [k, h] of Object.entries(handlers) as Array<[Interaction, Handler]>) {
    if (k === 'batch') {
      out[k] = refuseAuditEntries(h);
      continue;
    }
    if (k === 'capabilities') {
      out[k] = auditCapabilities(h);
      continue;
    }
    if (k.endsWith('-system')) {
      out[k] = h;
      continue;
    }
    const mine = special[k] ?? refuse;
    out[k] = (ctx, req) => (req.route.type === AUDIT ? mine(ctx, req) : h(ctx, req));
  }
  return out;
}
