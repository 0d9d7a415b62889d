#!/usr/bin/env node
// `npx ephr-fhir ...`: the sources through TypeScript in a checkout, the build where TypeScript is not installed.
const path = require('node:path');
const root = path.resolve(__dirname, '..');
let entry;
try {
  require.resolve('typescript');
  require(path.join(root, 'scripts', 'register-ts.js'));
  entry = path.join(root, 'src', 'cli', 'index.ts');
} catch {
  entry = path.join(root, 'dist', 'src', 'cli', 'index.js');
}
require(entry)
  .run(process.argv)
  .then((code) => process.exit(code))
  .catch((err) => {
    process.stderr.write(`ephr-fhir: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
