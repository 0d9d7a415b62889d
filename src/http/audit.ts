// Every FHIR request recorded in the audit trail before its answer goes out (issue 16 point 8; security/audit-event.ts),
// answers and errors alike; `GET /fhir/metadata` is not recorded. A failed write fails the request: the client gets a
// 500 OperationOutcome and none of the data.
import type { NextFunction, Request, Response } from 'express';
import { issue, OperationOutcomeError } from '../fhir/outcome';
import type { RouteMatch } from '../interactions/routes';
import type { ServerContext } from '../interactions/types';
import type { Principal } from '../security/principal';
import type { AuditInput, AuditTrail } from '../security/audit-event';
import { touched } from '../security/audit-entities';
import { toOutcomeError } from './errors';

/** What the edge learnt of a request before it was answered (kept in `res.locals.audit`). */
interface AuditNote {
  route?: RouteMatch;
  principal?: Principal;
  /** The caller's open break-glass accesses (security/break-glass.ts): a request about one of them is BTG. */
  brokenGlass?: Array<{ patient: string; reason: string }>;
  /** Set once the request is recorded (or recording failed): it is never recorded twice. */
  done?: boolean;
}

export function auditNote(res: Response): AuditNote {
  return ((res.locals as { audit?: AuditNote }).audit ??= {});
}

export const auditFailure = (): OperationOutcomeError =>
  new OperationOutcomeError(500, [
    issue('exception', 'The audit record could not be written, so nothing is answered; try again later'),
  ]);

function interaction(route: RouteMatch | undefined): string {
  if (!route) return 'unknown';
  if (route.operation === 'break-glass') return 'break-glass';
  return route.operation !== undefined ? `$${route.operation}` : route.interaction;
}

/** The stated reason of a `$break-glass` request (Parameters `reason`, or `?reason=`), as far as it can be read. */
function statedReason(req: Request): string | undefined {
  try {
    const p = JSON.parse(String(req.body)) as { parameter?: Array<{ name?: string; valueString?: string }> };
    const v = p.parameter?.find((x) => x.name === 'reason')?.valueString;
    if (typeof v === 'string') return v;
  } catch {
    // not JSON: the query, if anywhere
  }
  return new URL(req.originalUrl, 'http://x').searchParams.get('reason') ?? undefined;
}

/** Purpose BTG: a break-glass request, or a request about a patient whose data the caller opened by break-glass. */
function breakGlass(
  req: Request,
  note: AuditNote,
  input: Omit<AuditInput, 'status' | 'interaction' | 'method' | 'path'> & { interaction: string },
): Pick<AuditInput, 'purposeOfUse' | 'breakGlassReason'> {
  if (input.interaction === 'break-glass') {
    const reason = statedReason(req);
    return { purposeOfUse: 'BTG', ...(reason !== undefined && { breakGlassReason: reason }) };
  }
  if (!note.brokenGlass?.length) return {};
  const about = new Set(touched(input).patients);
  const open = note.brokenGlass.filter((o) => about.has(`Patient/${o.patient}`));
  return open.length === 0
    ? {}
    : { purposeOfUse: 'BTG', breakGlassReason: [...new Set(open.map((o) => o.reason))].join('; ') };
}

/** A deleted resource as it was (the version before the deletion the ETag names), for the patients it concerned. */
async function beforeDelete(
  ctx: ServerContext,
  route: RouteMatch | undefined,
  etag: string | undefined,
): Promise<string | undefined> {
  const n = Number(/^W\/"(\d+)"$/.exec(etag ?? '')?.[1]);
  if (route?.interaction !== 'delete' || !route.type || !route.id || !(n > 1)) return undefined;
  return (await ctx.repo.vread(route.type, route.id, n - 1))?.json;
}

/** Records one answered or failed request; throws auditFailure() when the trail could not take it. */
export async function recordRequest(
  ctx: ServerContext,
  trail: AuditTrail | undefined,
  req: Request,
  res: Response,
  answer: { status: number; body?: object | string; headers?: Record<string, string> },
): Promise<void> {
  const note = auditNote(res);
  if (!trail || note.done || req.path === '/metadata') return;
  note.done = true;
  const r = note.route;
  const q = req.originalUrl.indexOf('?');
  const form = typeof req.body === 'string' && req.is('application/x-www-form-urlencoded') ? req.body : '';
  const query = [q < 0 ? '' : req.originalUrl.slice(q + 1), form].filter((s) => s !== '').join('&');
  const type = r?.compartmentType ?? r?.type;
  const id = r?.id;
  const location = answer.headers?.Location ?? answer.headers?.['Content-Location'];
  try {
    const before = await beforeDelete(ctx, r, answer.headers?.ETag);
    const what = {
      interaction: interaction(r),
      ...(type !== undefined && { type }),
      ...(id !== undefined && { id }),
      ...(query !== '' && { query }),
      ...(answer.body !== undefined && { body: answer.body }),
      ...(location !== undefined && { location }),
      ...(before !== undefined && { before }),
    };
    await trail.record({
      ...(note.principal && { principal: note.principal }),
      ...what,
      method: req.method,
      path: req.baseUrl + req.path,
      status: answer.status,
      ...(req.ip !== undefined && { address: req.ip }),
      requestId: String(res.getHeader('X-Request-Id') ?? ''),
      ...breakGlass(req, note, what),
    });
  } catch (err) {
    req.log.error({ err }, 'the audit record could not be written');
    // A database that is down or a full disk is said as such (503, 507): the client may try again later.
    throw ctx.storageFault(err) ?? auditFailure();
  }
}

/** Error middleware on /fhir: records the failed request, then hands the error (or the audit failure) on. */
export function auditErrors(ctx: ServerContext, trail: AuditTrail | undefined) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const status = (toOutcomeError(err) ?? ctx.storageFault(err))?.status ?? 500;
    recordRequest(ctx, trail, req, res, { status }).then(
      () => next(err),
      (auditErr: unknown) => next(auditErr),
    );
  };
}
