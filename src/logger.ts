// Structured JSON logs (pino) that carry no patient data by construction: errors are logged by type, code, a message
// with quoted values taken out and stack frames, bodies and OperationOutcome texts never; pretty in a terminal.
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config';

/** Keys that would hold a resource, a body or OperationOutcome texts: censored wherever a caller puts them. */
const NEVER_LOGGED = ['body', 'resource', 'diagnostics', 'issue', 'query', 'headers'];

/**
 * An error as the log keeps it. Messages of drivers and parsers quote the values they saw (a duplicate key, the
 * start of a body that is not JSON), so quoted, braced and bracketed parts and long digit runs are replaced by `*`;
 * properties such as a driver's `keyValue` are left out. An error carrying OperationOutcome issues keeps their
 * codes alone.
 */
export function safeError(err: unknown, depth = 0): Record<string, unknown> {
  // pino-http hands over pino's own serialization of the error, which keeps the original as `raw`.
  const raw = (err as { raw?: unknown } | null)?.raw;
  const original = err instanceof Error ? err : raw instanceof Error ? raw : undefined;
  if (!original) return { type: err === null ? 'null' : typeof err };
  const e = original as Error & { code?: unknown; issues?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: e.constructor.name || e.name };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (Array.isArray(e.issues))
    out.issues = e.issues.map((i: { code?: unknown }) => (typeof i.code === 'string' ? i.code : '?'));
  else out.message = withoutValues(e.message);
  out.stack = (e.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  if (e.cause !== undefined && depth < 3) out.cause = safeError(e.cause, depth + 1);
  return out;
}

/** A message with whatever it quotes replaced by `*`. */
export function withoutValues(message: string): string {
  return message
    .replace(/"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?/g, '*')
    .replace(/\{[^{}]*\}?/g, '{*}')
    .replace(/\[[^[\]]*\]?/g, '[*]')
    .replace(/(?<![A-Za-z0-9])\d{4,}/g, '*');
}

/** The options every logger of the server and its tools is made with. */
export function loggerOptions(level: Config['logLevel']): LoggerOptions {
  return {
    level,
    serializers: { err: safeError },
    redact: {
      paths: [...NEVER_LOGGED, ...NEVER_LOGGED.map((k) => `*.${k}`)],
      censor: '[not logged]',
    },
  };
}

/** The server's logger: to `destination` when given (tests write one file per run), else stdout. */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  if (destination) return pino(loggerOptions(level), destination);
  if (process.stdout.isTTY && !process.env.CI) {
    try {
      require.resolve('pino-pretty');
      return pino({
        ...loggerOptions(level),
        transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } },
      });
    } catch {
      // not installed (production install without dev dependencies): plain JSON
    }
  }
  return pino(loggerOptions(level));
}
