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

export function createApp(ctx: ServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // FHIR ETags are version ids, set by the interactions
  app.set('query parser', 'simple');
  app.use(helmet());
  app.use(requestLog(ctx.logger));

  // CORS before any route of the API, its discovery documents and its authorization server (CORS_ORIGINS).
  app.use(['/fhir', '/.well-known', '/oauth'], corsFor(ctx.config.corsOrigins));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await ctx.ready();
      res.json({ status: 'ok', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'not answering' });
    }
  });

  app.use(
    '/fhir',
    express.text({ type: () => true, limit: ctx.config.maxBodyBytes, defaultCharset: 'utf-8' }),
  );
  app.use('/fhir', (req, res, next) => {
    handleFhir(ctx, req, res).catch(next);
  });
  app.use((req: Request) => {
    throw notFound(`No route ${req.method} ${req.path}: the FHIR base is /fhir`);
  });
  app.use(errorHandler(ctx));
  return app;
}

async function handleFhir(ctx: ServerContext, req: Request, res: Response): Promise<void> {
  const query = new URL(req.originalUrl, 'http://x').searchParams;
  checkQueryEncoding(req.originalUrl);
  negotiateResponseFormat(query.get('_format') ?? undefined, req.headers.accept);
  const segments = req.path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  const match = route(req.method, segments);
  const text = typeof req.body === 'string' && req.body.length > 0 ? req.body : undefined;
  const kind = text === undefined ? undefined : requestBodyKind(req.headers['content-type']);
  const handler = ctx.handlers[match.interaction];
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
  const out = await handler(ctx, fhirReq);
  sendFhir(res, out.status, out.body, out.headers);
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
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers))
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export type { NextFunction };
