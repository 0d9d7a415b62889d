// Terminology: every code a ValueSet names exists in its CodeSystem (ours or one the R4 package holds).
// http://hl7.org/fhir/R4/valueset.html#compose
import { coreByUrl, ofType, type Json } from './support';

// Large external systems we do not hold; their codes are checked against the domain research, not here.
const EXTERNAL = new Set([
  'http://loinc.org',
  'http://snomed.info/sct',
  'http://hl7.org/fhir/sid/cvx',
  'urn:iso:std:iso:3166',
  'urn:ietf:bcp:47',
]);

const codeSystems = new Map<string, Json>([
  ...[...coreByUrl().values()].filter((r) => r.resourceType === 'CodeSystem').map((r) => [r.url as string, r] as const),
  ...ofType('CodeSystem').map((r) => [r.url as string, r] as const),
]);

function concepts(list: Json[] | undefined, out = new Map<string, Json>()): Map<string, Json> {
  for (const c of list ?? []) {
    out.set(c.code as string, c);
    concepts(c.concept as Json[] | undefined, out);
  }
  return out;
}

describe.each(ofType('ValueSet').map((vs) => [vs.id as string, vs] as const))('ValueSet %s', (_id, vs) => {
  const includes = vs.compose.include as Json[];
  it('includes codes that exist in the referenced CodeSystems, with their displays', () => {
    expect(includes.length).toBeGreaterThan(0);
    for (const inc of includes) {
      const system = inc.system as string;
      if (EXTERNAL.has(system)) continue;
      const cs = codeSystems.get(system);
      expect({ system, held: !!cs }).toEqual({ system, held: true });
      const known = concepts(cs!.concept as Json[]);
      for (const c of (inc.concept as Json[] | undefined) ?? []) {
        const hit = known.get(c.code as string);
        expect({ system, code: c.code, found: !!hit }).toEqual({ system, code: c.code, found: true });
        if (c.display) expect(c.display).toBe(hit!.display);
      }
    }
  });
  it('lists external codes in their syntax', () => {
    const syntax: Record<string, RegExp> = {
      'http://loinc.org': /^(\d{1,7}-\d|LA\d{1,6}-\d)$/,
      'http://snomed.info/sct': /^\d{6,18}$/,
      'http://hl7.org/fhir/sid/cvx': /^\d{2,3}$/,
    };
    for (const inc of includes.filter((i) => syntax[i.system as string])) {
      for (const c of (inc.concept as Json[] | undefined) ?? []) expect(c.code).toMatch(syntax[inc.system as string]!);
    }
  });
});

describe.each(ofType('CodeSystem').map((cs) => [cs.id as string, cs] as const))('CodeSystem %s', (_id, cs) => {
  it('is complete, with unique codes, a count that matches and Arabic designations where given', () => {
    const all = concepts(cs.concept as Json[]);
    let n = 0;
    const walk = (list: Json[] | undefined): void => {
      for (const c of list ?? []) {
        n++;
        expect(c.code).toMatch(/^[a-z0-9][a-z0-9-]*$/);
        expect(typeof c.display).toBe('string');
        for (const d of (c.designation as Json[] | undefined) ?? []) {
          expect(d.language).toBe('ar');
          expect(d.value).toMatch(/[\u0600-\u06FF]/);
        }
        walk(c.concept as Json[] | undefined);
      }
    };
    walk(cs.concept as Json[]);
    expect(all.size).toBe(n);
    expect(cs.count).toBe(n);
    expect(cs.content).toBe('complete');
    expect(cs.caseSensitive).toBe(true);
  });
});

it('draws migration status from the v3 citizen role types and local codes', () => {
  const vs = ofType('ValueSet').find((v) => v.id === 'migration-status')!;
  const v3 = (vs.compose.include as Json[]).find((i) => i.system === 'http://terminology.hl7.org/CodeSystem/v3-RoleCode')!;
  expect((v3.concept as Json[]).map((c) => c.code as string)).toEqual(['CAS', 'CASM', 'CN', 'CNRP', 'CNRPM', 'CPCA', 'CRP', 'CRPM']);
});
