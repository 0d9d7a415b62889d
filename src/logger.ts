// Structured JSON logs (pino); pretty when a person watches a terminal and pino-pretty is installed.
import pino, { type Logger } from 'pino';
import type { Config } from './config';

export function createLogger(level: Config['logLevel']): Logger {
  if (process.stdout.isTTY && !process.env.CI) {
    try {
      require.resolve('pino-pretty');
      return pino({
        level,
        transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } },
      });
    } catch {
      // not installed (production install without dev dependencies): plain JSON
    }
  }
  return pino({ level });
}
