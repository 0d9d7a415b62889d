// The R4 core definitions, read from the official HL7 package hl7.fhir.r4.examples@4.0.1 (CC0).
import fs from 'node:fs';
import path from 'node:path';
import type { StructureDefinition } from 'fhir/r4';

export const R4_PACKAGE_DIR = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));

export function readPackageFile<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as T;
}

/** Every file of the package whose name starts with `${resourceType}-`. */
export function packageFiles(resourceType: string): string[] {
  return fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter((f) => f.startsWith(resourceType + '-') && f.endsWith('.json'));
}

let resourceTypes: ReadonlySet<string> | undefined;

/** The 145 concrete R4 resource types (abstract Resource and DomainResource excluded). */
export function concreteResourceTypes(): ReadonlySet<string> {
  if (resourceTypes) return resourceTypes;
  const names: string[] = [];
  for (const file of packageFiles('StructureDefinition')) {
    const sd = readPackageFile<StructureDefinition>(file);
    if (sd.kind === 'resource' && sd.derivation === 'specialization' && !sd.abstract && sd.type === sd.id) {
      names.push(sd.type);
    }
  }
  resourceTypes = new Set(names.sort());
  return resourceTypes;
}

export const FHIR_VERSION = '4.0.1';
