// Fixtures: valid ones pass the R4 JSON schema, the base invariants and our profiles' invariants; invalid ones
// break what the manifest says. http://hl7.org/fhir/R4/validation.html
import fs from 'node:fs';
import path from 'node:path';
import type { ElementDefinition } from 'fhir/r4';
import { r4SchemaErrors } from '../support/r4-schema';
import {
  FIXTURES_DIR,
  baseDefinition,
  constraintHolds,
  fixture,
  manifest,
  ofType,
  validFixtures,
  type Json,
} from './support';

const m = manifest();
/** Extensions that annotate our definitions (context StructureDefinition) say nothing about records. */
const onDefinitionsOnly = (sd: Json): boolean =>
  Array.isArray(sd.context) &&
  (sd.context as Array<{ expression?: string }>).every((c) => c.expression === 'StructureDefinition');
const profiles = new Map(
  ofType('StructureDefinition')
    .filter((sd) => !onDefinitionsOnly(sd))
    .map((sd) => [sd.url as string, sd]),
);

/** FHIRPath that selects the nodes an element definition's constraints apply to. */
function nodes(sd: Json, elementPath: string): string {
  const p = elementPath.replace(/\[x\]/g, '');
  if (sd.type !== 'Extension') return p;
  // An extension's constraints apply to every occurrence of that extension in the resource.
  const rest = p.split('.').slice(1).join('.');
  return `descendants().where(url = '${sd.url as string}')${rest ? '.' + rest : ''}`;
}

/** Every failing error-level invariant of a definition (its snapshot for base types, differential for ours). */
function failures(resource: Json, sd: Json, elements: ElementDefinition[]): string[] {
  const out: string[] = [];
  for (const e of elements) {
    for (const c of e.constraint ?? []) {
      if (c.severity !== 'error' || !c.expression) continue;
      // xhtml, Reference.reference and similar constraints the fhirpath package does not implement.
      if (['txt-1', 'txt-2'].includes(c.key)) continue;
      const path = sd.type === 'Extension' || !baseDefinition(sd.type as string) ? nodes(sd, e.path) : e.path.replace(/\[x\]/g, '');
      if (!constraintHolds(resource, path, c.expression)) out.push(`${c.key} at ${e.path}`);
    }
  }
  return out;
}

/**
 * ext-1 on every extension, primitive ones (_birthDate.extension) included: the resource snapshot names only
 * the top-level extension elements, and FHIRPath descendants() does not reach into primitive extensions.
 */
function extensionFailures(node: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n, i) => extensionFailures(n, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Json)) {
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(value)) {
        value.forEach((ext: Json, i) => {
          const hasValue = Object.keys(ext).some((k) => k.startsWith('value'));
          const hasExtension = Array.isArray(ext.extension) && ext.extension.length > 0;
          if (hasValue === hasExtension) out.push(`ext-1 at ${at}.${key}[${i}]`);
        });
      }
      extensionFailures(value, `${at}.${key}`, out);
    }
  }
  return out;
}

function baseFailures(resource: Json): string[] {
  const sd = baseDefinition(resource.resourceType as string)!;
  return [
    ...failures(resource, sd, sd.snapshot!.element),
    ...extensionFailures(resource, resource.resourceType as string),
  ];
}

function profileFailures(resource: Json, url: string): string[] {
  const sd = profiles.get(url)!;
  return failures(resource, sd, sd.differential.element as ElementDefinition[]);
}

describe.each(validFixtures().map((f) => [f.name, f.resource] as const))('valid %s', (_name, resource) => {
  it('passes the R4 JSON schema', () => {
    expect(r4SchemaErrors(resource as { resourceType: string })).toEqual([]);
  });
  it('passes the base R4 invariants', () => {
    expect(baseFailures(resource)).toEqual([]);
  });
  it('passes the invariants of the profile it claims and of the extensions it uses', () => {
    const claimed = (resource.meta.profile as string[])[0]!;
    expect(profiles.has(claimed)).toBe(true);
    expect(profileFailures(resource, claimed)).toEqual([]);
    for (const url of ['ephr-migration-history', 'ephr-migration-status', 'ephr-birthdate-estimated']) {
      expect(profileFailures(resource, `http://ephr-fhir.org/fhir/StructureDefinition/${url}`)).toEqual([]);
    }
  });
});

describe('manifest', () => {
  it('lists every fixture file, and only existing ones', () => {
    const listed = [...m.valid, ...m.invalid].map((e) => e.file).sort();
    const onDisk = ['valid', 'invalid'].flatMap((d) =>
      fs.readdirSync(path.join(FIXTURES_DIR, d)).map((f) => `${d}/${f}`),
    );
    expect(listed).toEqual(onDisk.sort());
  });
  it('names a known profile and a located issue for every invalid fixture', () => {
    const codes = ['required', 'structure', 'value', 'code-invalid', 'invariant', 'invalid', 'not-found'];
    for (const e of m.invalid) {
      expect(profiles.has(e.profile)).toBe(true);
      for (const x of [e.expect!, ...(e.also ?? [])]) {
        expect(x.severity).toBe('error');
        expect(codes).toContain(x.code);
        expect(x.expression.split('.')[0]).toBe(fixture(e.file).resourceType);
        expect(x.why.length).toBeGreaterThan(3);
      }
    }
  });
  it('has at least five invalid fixtures per profile, extension profiles included', () => {
    for (const url of profiles.keys()) {
      expect({ url, n: m.invalid.filter((e) => e.profile === url).length >= 5 }).toEqual({ url, n: true });
    }
  });
  it('has a valid fixture for every profile: claiming it, or (an extension) using it', () => {
    const uses = (node: unknown, url: string): boolean =>
      Array.isArray(node)
        ? node.some((n) => uses(n, url))
        : typeof node === 'object' && node !== null
          ? (node as Json).url === url || Object.values(node).some((v) => uses(v, url))
          : false;
    for (const [url, sd] of profiles) {
      const covered =
        sd.type === 'Extension'
          ? validFixtures().some((f) => uses(f.resource, url))
          : m.valid.some((e) => e.profile === url);
      expect({ url, covered }).toEqual({ url, covered: true });
    }
  });
});

describe.each(m.invalid.map((e) => [e.file, e] as const))('invalid %s', (_file, entry) => {
  const resource = fixture(entry.file);
  const expected = [entry.expect!, ...(entry.also ?? [])];
  it('stays well-formed JSON for its resource type', () => {
    expect(typeof resource.resourceType).toBe('string');
  });
  const keys = expected.filter((x) => x.code === 'invariant').map((x) => /^([a-z]+-[a-z]*-?\d+)/.exec(x.why)?.[1]);
  if (keys.some((k) => k)) {
    it(`breaks ${keys.filter(Boolean).join(', ')}`, () => {
      const all = [...baseFailures(resource), ...profileFailures(resource, entry.profile)];
      for (const k of keys.filter(Boolean)) expect(all.map((f) => f.split(' ')[0])).toContain(k);
    });
  }
});
