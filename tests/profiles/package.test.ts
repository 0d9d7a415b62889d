// profiles/package.json declares, as FHIR NPM package dependencies, every HL7 package whose canonicals our files use
// (the Questionnaire's SDC extensions, the SDOHCC category CodeSystem), at exact released R4 versions.
import fs from 'node:fs';
import path from 'node:path';
import { PROFILES_DIR, readJson } from './support';

/** The HL7 packages we may depend on: id, canonical base and the R4 releases that define what we use. */
const KNOWN: Record<string, { canonical: string; r4Releases: string[] }> = {
  'hl7.fhir.r4.core': { canonical: 'http://hl7.org/fhir', r4Releases: ['4.0.1'] },
  // sdc-questionnaire-calculatedExpression and -observationExtract: SDC STU3 (3.0.0, FHIR 4.0.1).
  'hl7.fhir.uv.sdc': { canonical: 'http://hl7.org/fhir/uv/sdc', r4Releases: ['3.0.0'] },
  // SDOHCC-CodeSystemTemporaryCodes#intimate-partner-violence: SDOH Clinical Care STU 2.x (FHIR 4.0.1).
  'hl7.fhir.us.sdoh-clinicalcare': {
    canonical: 'http://hl7.org/fhir/us/sdoh-clinicalcare',
    r4Releases: ['2.0.0', '2.1.0', '2.2.0', '2.3.0'],
  },
};

const pkg = readJson(path.join(PROFILES_DIR, 'package.json'));
const deps = pkg.dependencies as Record<string, string>;

/** Every HL7 implementation-guide canonical base (`http://hl7.org/fhir/uv/sdc`) named anywhere in profiles/. */
function igCanonicalsUsed(): Set<string> {
  const out = new Set<string>();
  for (const f of fs.readdirSync(PROFILES_DIR).filter((x) => x.endsWith('.json') && x !== 'package.json')) {
    const text = fs.readFileSync(path.join(PROFILES_DIR, f), 'utf8');
    for (const m of text.matchAll(/http:\/\/hl7\.org\/fhir\/(uv|us)\/([a-z0-9-]+)\//g)) out.add(`http://hl7.org/fhir/${m[1]}/${m[2]}`);
  }
  return out;
}

describe('profiles/package.json', () => {
  it('is an R4 FHIR package', () => {
    expect(pkg.fhirVersions).toEqual(['4.0.1']);
    expect(deps['hl7.fhir.r4.core']).toBe('4.0.1');
  });

  it('depends on the package of every implementation guide whose canonicals the files use', () => {
    const used = [...igCanonicalsUsed()].sort();
    expect(used).toEqual(['http://hl7.org/fhir/uv/sdc', 'http://hl7.org/fhir/us/sdoh-clinicalcare'].sort());
    for (const canonical of used) {
      const id = Object.keys(KNOWN).find((k) => KNOWN[k]!.canonical === canonical);
      expect({ canonical, declared: id !== undefined && id in deps }).toEqual({ canonical, declared: true });
    }
  });

  it('pins each dependency to an exact R4 release that defines what we use, and names no other', () => {
    for (const [id, version] of Object.entries(deps)) {
      expect({ id, known: id in KNOWN }).toEqual({ id, known: true });
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(KNOWN[id]!.r4Releases).toContain(version);
    }
  });
});
