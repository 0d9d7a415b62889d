// The request log (pino-http): method, path, the NAMES of the query parameters, status, issue codes and duration;
// never a query value, a header or a body, since those carry names, identifiers and GBV answers.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { safeError } from '../logger';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * A search parameter's name as FHIR spells them: lower-case codes (`family`, `general-practitioner`, `_count`) with
 * modifiers, chains and resource types (`subject:Patient.name`, `_has:Observation:patient:code`). Anything else,
 * such as a name sent where a parameter belongs (`?Noori=1`), is logged as `?`.
 */
const PARAM_NAME = /^_?[a-z][a-z0-9-]*(?:[:.](?:_?[a-z][a-z0-9-]*|[A-Z][A-Za-z]+))*$/;

/**
 * `/fhir/Patient?name=Amina&_count=5` as `/fhir/Patient?name=*&_count=*`: every value replaced, a parameter name
 * kept only when it is spelled as FHIR spells them (else `?`). The path is kept: ids are the server's, not the patient's.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const raw = p.split('=', 1)[0]!;
      let name = raw;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // a broken escape: not a name to keep
      }
      return `${name.length <= 100 && PARAM_NAME.test(name) ? name : '?'}=*`;
    });
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/** The codes of the OperationOutcome a 4xx answer carried (set by the error handler), for the request's log line. */
export function noteIssueCodes(res: Response, codes: string[]): void {
  res.locals.issueCodes = codes;
}

export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req: IncomingMessage & { id: string; originalUrl?: string; raw?: { originalUrl?: string } }) => ({
        id: req.id,
        method: req.method,
        url: loggableUrl(req.raw?.originalUrl ?? req.originalUrl ?? req.url ?? ''),
      }),
      res: (res: { statusCode: number; raw?: ServerResponse & { locals?: { issueCodes?: string[] } } }) => {
        const issues = res.raw?.locals?.issueCodes;
        return { status: res.statusCode, ...(issues && { issues }) };
      },
      err: safeError,
    },
  });
}
