#!/usr/bin/env node
// `npx ephr-fhir ...` runs the built JavaScript in dist/. In a checkout with TypeScript installed, dist/ is first
// brought up to date by the incremental build (scripts/build.js: timestamps only, when nothing changed), so a stale
// dist/ is never run; without TypeScript (no dev dependencies), dist/ runs as it is.
// The process ends by itself when the command is done (process.exitCode, never process.exit), so output piped to
// a slower reader is written in full.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const say = (m) => process.stderr.write(`${m}\n`);

function start() {
  const builder = path.join(root, 'scripts', 'build.js');
  if (fs.existsSync(builder)) {
    const { build, canBuild } = require(builder);
    if (canBuild() && !build(say)) return 2;
  }
  const entry = path.join(root, 'dist', 'src', 'cli', 'index.js');
  if (!fs.existsSync(entry)) {
    say('ephr-fhir: dist/ is not built: run `npm ci && npm run build`');
    return 2;
  }
  return require(entry).run(process.argv);
}

Promise.resolve()
  .then(start)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    say(`ephr-fhir: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  });
