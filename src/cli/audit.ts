// `ephr-fhir audit verify`: walks the audit trail's hash chain on the configured database (issue 16 point 8) and
// prints how many events hold together, or the first broken link; exit code 0 when whole, 1 when broken.
import pino from 'pino';
import { loadConfig } from '../config';
import { openServer } from '../server';
import type { Output } from './map';

export async function auditVerifyCommand(io: Output): Promise<number> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const running = await openServer(config, pino({ level: config.logLevel }), { listen: false });
  try {
    const v = await running.audit.verify((n) => io.err(`checked ${n} events\r`));
    if (v.ok) {
      io.out(`audit chain ok: ${v.count} events\n`);
      return 0;
    }
    io.out(`audit chain broken at seq ${v.seq}: ${v.reason} (${v.count} events before it hold together)\n`);
    return 1;
  } finally {
    await running.close();
  }
}
