// CORS (Fetch standard, "CORS protocol"): a browser page may call the API only from an origin listed in CORS_ORIGINS.
import cors from 'cors';
import type { RequestHandler } from 'express';

/** Headers a browser page may send: bearer token, FHIR conditional and preference headers, the request id. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'If-Match',
  'If-None-Match',
  'If-None-Exist',
  'If-Modified-Since',
  'Prefer',
  'X-Request-Id',
];

/** Response headers a browser page may read: where a created resource lives, its version, the request id. */
export const CORS_EXPOSED_HEADERS = ['Location', 'ETag', 'Last-Modified', 'Content-Location', 'X-Request-Id'];

/**
 * The CORS middleware for the given origins: a listed origin gets `Access-Control-Allow-Origin` (its own value,
 * never `*`) and preflights are answered; any other origin, or a request without `Origin`, gets no CORS header at
 * all, so the browser keeps the answer from the page. No credentials mode: tokens travel as bearer headers.
 */
export function corsFor(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin, callback) =>
      callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
  });
  return (req, res, next) => {
    // The answer differs by Origin whenever some origin is allowed: caches must keep them apart.
    if (allowed.size > 0) res.vary('Origin');
    const origin = req.headers.origin;
    // A preflight from any other origin ends here, without CORS headers: no route behind (the authorization server
    // answers preflights of its own) may allow it.
    if (
      req.method === 'OPTIONS' &&
      origin !== undefined &&
      !allowed.has(origin) &&
      req.headers['access-control-request-method']
    ) {
      res.status(204).end();
      return;
    }
    handler(req, res, next);
  };
}
