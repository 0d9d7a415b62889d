// Stops the run's embedded FerretDB and removes its temporary data directory; then fails the run if the servers'
// log holds a name, an identifier or a GBV answer of the test data (issue 16, point 9), naming line and string.
import fs from 'node:fs';
import path from 'node:path';
import { findSensitive, sensitiveStrings } from './log-check';

export default async function globalTeardown(): Promise<void> {
  const t = globalThis.__EPHR_TEST_DB__;
  if (t) {
    await t.db.stop();
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
  const log = globalThis.__EPHR_TEST_LOG__;
  if (!log) return;
  const findings = findSensitive(fs.readFileSync(log, 'utf8'), sensitiveStrings());
  if (findings.length === 0) {
    // EPHR_KEEP_TEST_LOG=1 keeps the log to read (its path is printed).
    if (process.env.EPHR_KEEP_TEST_LOG) process.stderr.write(`servers' log of this run: ${log}\n`);
    else fs.rmSync(path.dirname(log), { recursive: true, force: true });
    return;
  }
  const shown = findings
    .slice(0, 20)
    .map((f) => `  line ${f.line}: "${f.string}" in ${f.text.slice(0, 300)}`)
    .join('\n');
  throw new Error(
    `The servers' log of this run holds patient data (${findings.length} finding(s); the log is kept at ${log}):\n${shown}`,
  );
}
