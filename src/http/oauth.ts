// Express at the edge of the authorization server: the SMART discovery document (at the server root and under the
// FHIR base, since clients look in both), and this server's own authorization server at /oauth with its sign-in
// pages; rate limits on the token endpoint (per client and address) and on failed sign-ins (per account and
// address) (issue 16, point 9).
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Options } from 'express-rate-limit' with { 'resolution-mode': 'import' };
import type { Config } from '../config';
import type { AuthorizationServer } from '../security/authorization-server';
import { escapeHtml } from '../security/html';
import { smartConfiguration } from '../security/smart-configuration';

/** Limits per window; tests read them to know when a limit starts. */
export const LIMITS = {
  /** Token requests per client and address. */
  token: { limit: 60, windowMs: 60_000 },
  /** Failed sign-ins per account, and per address. */
  loginPerAccount: { limit: 5, windowMs: 15 * 60_000 },
  loginPerAddress: { limit: 20, windowMs: 15 * 60_000 },
};

/** express-rate-limit is an ES module: loaded once, on the first request that needs it. */
function limiter(options: Partial<Options>): RequestHandler {
  const made = import('express-rate-limit').then((m) =>
    m.rateLimit({ standardHeaders: 'draft-8', legacyHeaders: false, ...options }),
  );
  return (req, res, next) => {
    made.then((handler) => handler(req, res, next), next);
  };
}

const address = async (req: Request): Promise<string> =>
  (await import('express-rate-limit')).ipKeyGenerator(req.ip ?? 'unknown');

/** The client a token request is for: `client_id`, or the `iss` of its client assertion. */
function clientOf(body: unknown): string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.client_id === 'string') return b.client_id;
  if (typeof b.client_assertion === 'string') {
    try {
      const payload = JSON.parse(
        Buffer.from(b.client_assertion.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { iss?: unknown };
      if (typeof payload.iss === 'string') return payload.iss;
    } catch {
      // not a JWT: the provider answers it
    }
  }
  return '';
}

function tooMany(res: Response, html: boolean): void {
  res.status(429).setHeader('Cache-Control', 'no-store');
  if (html)
    res
      .type('html')
      .send(
        `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts</title></head><body><p>${escapeHtml('Too many failed sign-ins. Try again later.')}</p></body></html>`,
      );
  else res.json({ error: 'slow_down', error_description: 'too many token requests; try again later' });
}

/** Mounts discovery and, unless tokens come from an external issuer, this server's authorization server. */
export function mountAuthorization(
  app: express.Express,
  config: Config,
  server: AuthorizationServer | undefined,
): void {
  const discovery = smartConfiguration(config);
  const smart: RequestHandler = (_req, res, next) => {
    discovery().then((doc) => {
      res.setHeader('Cache-Control', 'public, max-age=3600');
      res.json(doc);
    }, next);
  };
  app.get('/.well-known/smart-configuration', smart);
  app.get('/fhir/.well-known/smart-configuration', smart);
  if (!server) return;

  const form = express.urlencoded({ extended: false, limit: '16kb' });
  app.post(
    '/oauth/token',
    form,
    limiter({
      ...LIMITS.token,
      keyGenerator: async (req) => `${await address(req)}|${clientOf(req.body)}`,
      handler: (_req, res) => tooMany(res, false),
    }),
  );
  const { interactions } = server;
  app.get('/oauth/interaction/:uid', (req, res, next) => {
    interactions.show(req, res).catch(next);
  });
  const failedLogins = (keyGenerator: (req: Request) => Promise<string>, limit: number): RequestHandler =>
    limiter({
      limit,
      windowMs: LIMITS.loginPerAccount.windowMs,
      skipSuccessfulRequests: true,
      keyGenerator,
      handler: (_req, res) => tooMany(res, true),
    });
  app.post(
    '/oauth/interaction/:uid/login',
    form,
    failedLogins(address, LIMITS.loginPerAddress.limit),
    failedLogins((req) => {
      const u = (req.body as { username?: unknown } | undefined)?.username;
      return Promise.resolve(`account|${typeof u === 'string' ? u.trim().toLowerCase() : ''}`);
    }, LIMITS.loginPerAccount.limit),
    (req: Request, res: Response, next: NextFunction) => {
      interactions.login(req, res, (req.body ?? {}) as Record<string, unknown>).catch(next);
    },
  );
  app.use('/oauth', server.provider.callback());
}
