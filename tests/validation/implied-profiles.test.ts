// The profiles that apply to a QuestionnaireResponse without a claim are found from the definitions (any profile of
// ours that fixes or patterns `questionnaire`), not from a list in code: a new one in a profile folder applies too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';
import { createValidator } from '../../src/validation';

const PHQ = 'http://example.org/fhir/Questionnaire/phq-9';
const profile = {
  resourceType: 'StructureDefinition',
  id: 'phq-response',
  url: 'http://example.org/fhir/StructureDefinition/phq-response',
  name: 'PhqResponse',
  status: 'draft',
  fhirVersion: '4.0.1',
  kind: 'resource',
  abstract: false,
  type: 'QuestionnaireResponse',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/QuestionnaireResponse',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'QuestionnaireResponse', path: 'QuestionnaireResponse' },
      {
        id: 'QuestionnaireResponse.questionnaire',
        path: 'QuestionnaireResponse.questionnaire',
        patternCanonical: PHQ,
      },
      { id: 'QuestionnaireResponse.author', path: 'QuestionnaireResponse.author', min: 1 },
    ],
  },
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-profiles-'));
  fs.writeFileSync(path.join(dir, 'StructureDefinition-phq-response.json'), JSON.stringify(profile));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const response = (questionnaire: string): Record<string, unknown> => ({
  resourceType: 'QuestionnaireResponse',
  questionnaire,
  status: 'in-progress',
});

describe('profiles implied by the questionnaire', () => {
  it('applies a profile that patterns questionnaire, with or without a version, claimed or not', () => {
    const validator = createValidator({ profileDirs: [path.join(projectRoot, 'profiles'), dir] });
    for (const q of [PHQ, `${PHQ}|2.0`]) {
      const errors = validator
        .validate(response(q))
        .filter((i) => i.severity === 'error')
        .map((i) => `${i.code} ${i.expression?.join() ?? ''}`);
      expect(errors).toContain('required QuestionnaireResponse.author');
      expect(errors).toContain('invalid QuestionnaireResponse');
    }
  });

  it('does not apply it to responses to other questionnaires, nor when the profile is not loaded', () => {
    const withIt = createValidator({ profileDirs: [path.join(projectRoot, 'profiles'), dir] });
    const without = createValidator({ profileDirs: [path.join(projectRoot, 'profiles')] });
    const authorMissing = (v: typeof withIt, q: string): boolean =>
      v.validate(response(q)).some((i) => i.expression?.includes('QuestionnaireResponse.author'));
    expect(authorMissing(withIt, 'http://example.org/fhir/Questionnaire/other')).toBe(false);
    expect(authorMissing(without, PHQ)).toBe(false);
  });
});
