// Test helpers for the profiles package: loads profiles/ and fixtures/profiles/, the R4 base definitions, FHIRPath.
import fs from 'node:fs';
import path from 'node:path';
import * as fhirpath from 'fhirpath';
import * as r4 from 'fhirpath/fhir-context/r4';
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { packageFiles, readPackageFile } from '../../src/fhir/definitions';
import { projectRoot } from '../../src/project-root';

export const CANONICAL = 'http://ephr-fhir.org/fhir';
export const PROFILES_DIR = path.join(projectRoot, 'profiles');
export const FIXTURES_DIR = path.join(projectRoot, 'fixtures', 'profiles');

// FHIR JSON as read from disk; the tests assert on its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

/** Every FHIR resource file of profiles/ (package.json and .index.json excluded), by file name. */
export function profileResources(): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const f of fs.readdirSync(PROFILES_DIR).sort()) {
    if (f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.')) {
      out.set(f, readJson(path.join(PROFILES_DIR, f)));
    }
  }
  return out;
}

export function ofType(resourceType: string): Json[] {
  return [...profileResources().values()].filter((r) => r.resourceType === resourceType);
}

let core: Map<string, Json> | undefined;

/** The conformance resources of the R4 package by canonical URL (StructureDefinition, ValueSet, CodeSystem). */
export function coreByUrl(): Map<string, Json> {
  if (core) return core;
  core = new Map();
  for (const t of ['StructureDefinition', 'ValueSet', 'CodeSystem']) {
    for (const f of packageFiles(t)) {
      const r = readPackageFile<Json>(f);
      if (typeof r.url === 'string') core.set(r.url, r);
    }
  }
  return core;
}

/** Base StructureDefinition of a type name or canonical URL. */
export function baseDefinition(typeOrUrl: string): StructureDefinition | undefined {
  const url = typeOrUrl.includes('/') ? typeOrUrl : `http://hl7.org/fhir/StructureDefinition/${typeOrUrl}`;
  return coreByUrl().get(url) as StructureDefinition | undefined;
}

/**
 * Resolves an element path (slice names removed) against a type's snapshot, descending into data types
 * where the resource snapshot stops (Patient.birthDate.extension, Condition.code.coding.system).
 * Returns undefined when the path does not exist.
 */
export function resolvePath(typeName: string, elementPath: string): ElementDefinition | undefined {
  const sd = baseDefinition(typeName);
  const elements = sd?.snapshot?.element ?? [];
  const parts = elementPath.split('.');
  // Longest prefix present in this snapshot; the rest continues in the last element's type.
  for (let n = parts.length; n >= 1; n--) {
    const prefix = parts.slice(0, n).join('.');
    const found = elements.find((e) => e.path === prefix);
    if (!found) continue;
    if (n === parts.length) return found;
    const types = found.type ?? [];
    if (types.length === 0 && found.contentReference) {
      return resolvePath(typeName, found.contentReference.replace(/^#/, '') + '.' + parts.slice(n).join('.'));
    }
    for (const t of types) {
      const code = t.code === 'http://hl7.org/fhirpath/System.String' ? 'string' : t.code;
      const hit = resolvePath(code, [code, ...parts.slice(n)].join('.'));
      if (hit) return hit;
    }
    return undefined;
  }
  return undefined;
}

/** Evaluates FHIRPath with the R4 model, %resource and %rootResource set to the resource. */
export function evaluate(resource: Json, expression: string): unknown[] {
  // Some base constraints call trace(); its output is of no use here.
  return fhirpath.evaluate(resource, expression, { resource, rootResource: resource }, r4, {
    traceFn: () => undefined,
  }) as unknown[];
}

/** A constraint holds when it is true (or empty: nothing to check) for every node at the path. */
export function constraintHolds(resource: Json, nodesExpression: string, expression: string): boolean {
  const result = evaluate(resource, `${nodesExpression}.all(${expression})`);
  return result.length === 0 || result[0] === true;
}

export function validFixtures(): { name: string; resource: Json }[] {
  const dir = path.join(FIXTURES_DIR, 'valid');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), resource: readJson(path.join(dir, f)) }));
}

export interface ManifestEntry {
  file: string;
  profile: string;
  expect?: { severity: string; code: string; expression: string; why: string };
  also?: { severity: string; code: string; expression: string; why: string }[];
}

export function manifest(): { valid: ManifestEntry[]; invalid: ManifestEntry[] } {
  return readJson(path.join(FIXTURES_DIR, 'manifest.json')) as { valid: ManifestEntry[]; invalid: ManifestEntry[] };
}

export function fixture(file: string): Json {
  return readJson(path.join(FIXTURES_DIR, file));
}
