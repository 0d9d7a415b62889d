// Our profiles' fixtures: valid ones conform, each invalid one yields the issue its manifest names.
// Profiles come from EPHR_PROFILES_DIR (default <repo>/profiles), fixtures from EPHR_PROFILE_FIXTURES
// (default <repo>/fixtures/profiles); the tests are skipped, saying so, when either is absent.
import fs from 'node:fs';
import path from 'node:path';
import type { Issue } from '../../src/fhir/outcome';
import { createValidator } from '../../src/validation';

const root = path.resolve(__dirname, '../..');
const profilesDir = process.env.EPHR_PROFILES_DIR ?? path.join(root, 'profiles');
const fixturesDir = process.env.EPHR_PROFILE_FIXTURES ?? path.join(root, 'fixtures/profiles');
const present = fs.existsSync(profilesDir) && fs.existsSync(path.join(fixturesDir, 'manifest.json'));

interface Expectation {
  severity: string;
  code: string;
  expression: string;
  why?: string;
}
interface Entry {
  file: string;
  profile?: string;
  expect?: Expectation;
  also?: Expectation[];
}
interface Manifest {
  valid: Entry[];
  invalid: Entry[];
}

const read = (file: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(fixturesDir, file), 'utf8')) as unknown;
const show = (issues: Issue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.code} ${i.expression?.join() ?? ''}: ${i.diagnostics}`);

if (!present) {
  describe.skip(`profile fixtures (not found: ${profilesDir}, ${fixturesDir}; set EPHR_PROFILES_DIR and EPHR_PROFILE_FIXTURES)`, () => {
    it('runs when the fixtures exist', () => undefined);
  });
} else {
  describe('profile fixtures', () => {
    const validator = createValidator({ profileDirs: [profilesDir] });
    const manifest = read('manifest.json') as Manifest;
    // An extension's rules apply wherever it is used, so its fixtures are validated as the resources they are.
    const extensions = new Set(
      validator
        .conformanceResources()
        .filter(
          (r) => r.resourceType === 'StructureDefinition' && (r as { type?: string }).type === 'Extension',
        )
        .map((r) => (r as unknown as { url: string }).url),
    );
    const asProfile = (url?: string): string[] => (url && !extensions.has(url) ? [url] : []);

    it.each(manifest.valid.map((e) => [e.file, e] as const))('%s conforms', (_file, e) => {
      const issues = validator.validate(read(e.file), { profiles: asProfile(e.profile) });
      expect(show(issues.filter((i) => i.severity === 'error'))).toEqual([]);
    });

    it.each(manifest.invalid.map((e) => [e.file, e] as const))('%s is rejected', (_file, e) => {
      const issues = validator.validate(read(e.file), { profiles: asProfile(e.profile) });
      for (const x of [e.expect!, ...(e.also ?? [])]) {
        const hit = issues.some(
          (i) => i.severity === x.severity && i.code === x.code && i.expression?.includes(x.expression),
        );
        if (!hit)
          throw new Error(
            `expected ${x.severity} ${x.code} at ${x.expression} (${x.why ?? ''}); got:\n${show(issues).join('\n')}`,
          );
      }
    });

    it('knows our profiles', () => {
      expect(validator.hasProfile('http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient')).toBe(true);
      expect(validator.hasProfile('http://example.org/nothing')).toBe(false);
      expect(validator.conformanceResources().length).toBeGreaterThan(10);
    });

    it('our own conformance resources conform to base R4 (the server stores the Questionnaire at start)', () => {
      const errors = validator
        .conformanceResources()
        .flatMap((r) => validator.validate(r).filter((i) => i.severity === 'error'))
        .map((i) => `${i.expression?.join() ?? ''}: ${i.diagnostics}`);
      expect(errors).toEqual([]);
    });

    it("que-7: an 'exists' enableWhen needs a boolean answer (answerBoolean passes for Boolean)", () => {
      const q = (answer: Record<string, unknown>): unknown => ({
        resourceType: 'Questionnaire',
        status: 'draft',
        item: [
          { linkId: 'a', type: 'boolean' },
          { linkId: 'b', type: 'string', enableWhen: [{ question: 'a', operator: 'exists', ...answer }] },
        ],
      });
      const que7 = (answer: Record<string, unknown>): string[] =>
        validator
          .validate(q(answer))
          .filter((i) => i.diagnostics.includes('que-7'))
          .map((i) => i.expression?.join() ?? '');
      expect(que7({ answerBoolean: true })).toEqual([]);
      expect(que7({ answerString: 'yes' })).toEqual(['Questionnaire.item[1].enableWhen[0]']);
    });
  });
}
