// Express at the edge: security headers, logging, body limits, negotiation, then the route table.
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { notFound } from '../fhir/outcome';
import type { FhirRequest, ServerContext } from '../interactions/types';
import { corsFor } from './cors';
import { errorHandler, sendFhir } from './errors';
import { negotiateResponseFormat, requestBodyKind } from './negotiation';
import { requestLog } from './request-log';
import { route } from '../interactions/routes';
import { OperationOutcomeError, badRequest, issue } from '../fhir/outcome';
import type { Authenticator } from '../security/authenticate';
import type { AuthorizationServer } from '../security/authorization-server';
import { guardedContext, type Guards } from '../security/guard';
import { mountAuthorization } from './oauth';
import type { AuditTrail } from '../security/audit-event';
import { auditErrors, auditNote, recordRequest } from './audit';

/** Who may do what: the caller of each request, the access rules that wrap its context, and where tokens come from. */
export interface Security {
  authenticator: Authenticator;
  guards: Guards;
  /** This server's own authorization server; absent when tokens come from an external issuer (AUTH_ISSUER). */
  authorization?: AuthorizationServer;
  /** AUDIT (issue 16 point 8): the trail every FHIR request is recorded in (security/audit-event.ts). */
  audit?: AuditTrail;
}

export function createApp(ctx: ServerContext, security: Security): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // FHIR ETags are version ids, set by the interactions
  app.set('query parser', 'simple');
  app.use(helmet());
  if (ctx.config.auth.devUnauthenticated) {
    app.use((_req, res, next) => {
      res.setHeader(
        'X-Development-Unauthenticated',
        'requests without a token act with every permission (loopback only)',
      );
      next();
    });
  }
  app.use(requestLog(ctx.logger));

  // CORS before any route of the API, its discovery documents and its authorization server (CORS_ORIGINS).
  app.use(['/fhir', '/.well-known', '/oauth'], corsFor(ctx.config.corsOrigins));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const why = await unreadiness(ctx);
    if (why === undefined) res.json({ status: 'ok', database: 'ok' });
    else res.status(503).json({ status: 'unavailable', reason: why });
  });

  mountAuthorization(app, ctx.config, security.authorization);

  // A database known to be down: 503 at once. Nothing is read or disclosed, and the audit trail could not take it.
  app.use('/fhir', (req, res, next) => {
    const down = req.path === '/metadata' ? undefined : ctx.unavailable();
    if (down) auditNote(res).done = true;
    next(down);
  });
  app.use(
    '/fhir',
    express.text({
      type: () => true,
      limit: ctx.config.maxBodyBytes,
      defaultCharset: 'utf-8',
      verify: refuseInvalidUtf8,
    }),
  );
  app.use('/fhir', (req, res, next) => {
    handleFhir(ctx, security, req, res).catch(next);
  });
  // AUDIT: a failed FHIR request is recorded too, before the error handler answers it.
  app.use('/fhir', auditErrors(ctx, security.audit));
  app.use((req: Request) => {
    throw notFound(`No route ${req.method} ${req.path}: the FHIR base is /fhir`);
  });
  app.use(errorHandler(ctx));
  return app;
}

/** /readyz answers within this, whatever the database does: an orchestrator's probe must not hang. */
export const READYZ_TIMEOUT_MS = 1000;

/** Why the server is not ready (the database not answering, a full disk), or undefined when it is. */
async function unreadiness(ctx: ServerContext): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`the database did not answer within ${READYZ_TIMEOUT_MS} ms`),
      READYZ_TIMEOUT_MS,
    );
  });
  const answer = ctx.ready().then(
    () => undefined,
    (err: unknown) =>
      ctx.storageFault(err)?.status === 503 || !(err instanceof Error)
        ? 'the database is not answering'
        : err.message,
  );
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function handleFhir(
  ctx: ServerContext,
  security: Security,
  req: Request,
  res: Response,
): Promise<void> {
  const query = new URL(req.originalUrl, 'http://x').searchParams;
  checkQueryEncoding(req.originalUrl);
  negotiateResponseFormat(query.get('_format') ?? undefined, req.headers.accept);
  const segments = req.path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  const match = route(req.method, segments);
  // AUDIT: what the trail records of this request, answered or failed (the caller once it is known)
  const note = Object.assign(auditNote(res), { route: match });
  const text = typeof req.body === 'string' && req.body.length > 0 ? req.body : undefined;
  const kind = text === undefined ? undefined : requestBodyKind(req.headers['content-type']);
  // GET [base]/metadata is public (smart-app-launch: clients discover the server before they have a token).
  let rctx = ctx;
  if (match.interaction !== 'capabilities') {
    const principal = await security.authenticator.principal(req.headers.authorization);
    note.principal = principal;
    note.brokenGlass = security.guards.breakGlass.openFor(principal);
    rctx = stoppedWhenGone(await guardedContext(ctx, principal, security.guards), res);
  }
  const handler = rctx.handlers[match.interaction];
  if (!handler) {
    throw new OperationOutcomeError(405, [
      issue('not-supported', `The ${match.interaction} interaction is not supported by this server`),
    ]);
  }
  const fhirReq: FhirRequest = {
    method: req.method,
    route: match,
    query: [...query.entries()],
    headers: lowerHeaders(req),
    baseUrl: ctx.config.baseUrl,
    ...(text !== undefined && kind !== undefined && { body: { kind, text } }),
  };
  const out = await handler(rctx, fhirReq);
  // AUDIT: recorded before the answer goes out; when it cannot be, the client gets a 500 and none of the data.
  await recordRequest(ctx, security.audit, req, res, out);
  sendFhir(res, out.status, out.body, out.headers);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A UTF-8 body (the default charset) that is not valid UTF-8 is a 400: never silently repaired with U+FFFD. */
function refuseInvalidUtf8(req: Request, _res: Response, buf: Buffer): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) return;
  try {
    UTF8.decode(buf);
  } catch {
    throw badRequest('The request body is not valid UTF-8');
  }
}

/** The request's searches stop reading when its client goes away (the connection closes before the answer). */
function stoppedWhenGone(ctx: ServerContext, res: Response): ServerContext {
  const { store } = ctx.search;
  if (!store.abortable) return ctx;
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return { ...ctx, search: { ...ctx.search, store: store.abortable(gone.signal) } };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`The URL path segment "${segment}" is not valid percent-encoding`);
  }
}

/** URLSearchParams silently keeps a broken escape such as `%zz` as text; a client that sent it meant something else. */
function checkQueryEncoding(originalUrl: string): void {
  const q = originalUrl.indexOf('?');
  if (q < 0) return;
  for (const part of originalUrl.slice(q + 1).split('&')) {
    const name = part.split('=', 1)[0] ?? '';
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      let decodedName = name;
      try {
        decodedName = decodeURIComponent(name);
      } catch {
        // the name itself is broken: name it as sent
      }
      throw badRequest(`The query parameter "${decodedName}" is not valid percent-encoding`, decodedName);
    }
  }
}

function lowerHeaders(req: Request): Record<string, string | undefined> {
  // Null prototype: header names are client data (a `__proto__` header is an ordinary, unread key).
  const out = Object.create(null) as Record<string, string | undefined>;
  for (const [k, v] of Object.entries(req.headers))
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export type { NextFunction };
