// The one place where an error becomes an OperationOutcome with an HTTP status.
import type { NextFunction, Request, Response } from 'express';
import { issue, operationOutcome, OperationOutcomeError } from '../fhir/outcome';
import type { ServerContext } from '../interactions/types';
import { FHIR_JSON } from './negotiation';
import { noteIssueCodes } from './request-log';

export function sendFhir(
  res: Response,
  status: number,
  body?: object | string,
  headers: Record<string, string> = {},
): void {
  res.status(status);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', FHIR_JSON);
  res.send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Errors thrown by body-parser and other Express middleware carry `status`/`type`. */
interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
  limit?: number;
}

export function toOutcomeError(err: unknown): OperationOutcomeError | undefined {
  if (err instanceof OperationOutcomeError) return err;
  const e = (err ?? {}) as HttpError;
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return new OperationOutcomeError(413, [
        issue(
          'too-costly',
          `The request body is larger than the limit of ${e.limit ?? '?'} bytes (MAX_BODY_SIZE)`,
        ),
      ]);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new OperationOutcomeError(415, [
        issue('not-supported', e.message ?? 'Unsupported body encoding'),
      ]);
    default:
      return new OperationOutcomeError(status, [
        issue(status === 404 ? 'not-found' : 'invalid', e.expose && e.message ? e.message : 'Bad request'),
      ]);
  }
}

export function errorHandler(ctx: ServerContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = toOutcomeError(err) ?? ctx.storageFault(err);
    if (known) {
      noteIssueCodes(
        res,
        known.issues.map((i) => i.code),
      );
      sendFhir(res, known.status, operationOutcome(known.issues), known.headers);
      return;
    }
    const requestId = String(res.getHeader('X-Request-Id') ?? '');
    (req.log ?? ctx.logger).error({ err, requestId }, 'unexpected error');
    sendFhir(
      res,
      500,
      operationOutcome([
        issue(
          'exception',
          `An unexpected error occurred; the server log has the details under request id ${requestId}`,
        ),
      ]),
    );
  };
}
