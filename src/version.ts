// The software name and version, from package.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project-root';

const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };

export const SOFTWARE_NAME = 'ephr-fhir';
export const SOFTWARE_VERSION = pkg.version;
