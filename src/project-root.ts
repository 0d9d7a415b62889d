// The repository folder, found from this file whether it runs from src/ (ts-jest) or dist/src/ (built).
import fs from 'node:fs';
import path from 'node:path';

function find(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (
      fs.existsSync(pkg) &&
      (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ephr-fhir'
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error('ephr-fhir package.json not found above ' + __dirname);
  }
}

export const projectRoot = find();
