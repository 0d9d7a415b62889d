// Stops the run's embedded FerretDB and removes its temporary data directory.
import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const t = globalThis.__EPHR_TEST_DB__;
  if (!t) return;
  await t.db.stop();
  fs.rmSync(t.dir, { recursive: true, force: true });
}
