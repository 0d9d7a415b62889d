// The validator compiles every definition when it is created (not on first use), so no request pays for it.
import fs from 'node:fs';
import path from 'node:path';
import { R4_PACKAGE_DIR } from '../../src/fhir/definitions';
import { projectRoot } from '../../src/project-root';
import { createValidator } from '../../src/validation';

describe('validator start-up', () => {
  it('compiles every StructureDefinition of the R4 package and of profiles/ at creation', () => {
    const ours = fs
      .readdirSync(path.join(projectRoot, 'profiles'))
      .filter((f) => f.startsWith('StructureDefinition-'));
    const core = new Set(
      fs
        .readdirSync(R4_PACKAGE_DIR)
        .filter((f) => f.startsWith('StructureDefinition-'))
        .map(
          (f) => (JSON.parse(fs.readFileSync(path.join(R4_PACKAGE_DIR, f), 'utf8')) as { url: string }).url,
        ),
    );
    const validator = createValidator({ profileDirs: [path.join(projectRoot, 'profiles')] });
    expect(validator.compiled.models).toBe(core.size + ours.length);
    expect(validator.compiled.valueSets).toBeGreaterThan(300);
    expect(validator.compiled.ms).toBeGreaterThanOrEqual(0);
  });
});
