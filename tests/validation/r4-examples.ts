// The R4 example instances of hl7.fhir.r4.examples@4.0.1 used as the validator's real-world corpus.
import fs from 'node:fs';
import path from 'node:path';
import { R4_PACKAGE_DIR } from '../../src/fhir/definitions';

/**
 * Conformance and knowledge-artefact resources are definitions, not instances: the package holds them as the
 * specification itself (their snapshots use features outside instance validation), so they are left out.
 */
export const EXCLUDED_TYPES = [
  'StructureDefinition',
  'SearchParameter',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'CapabilityStatement',
  'ImplementationGuide',
  'OperationDefinition',
  'CompartmentDefinition',
  'NamingSystem',
  'StructureMap',
];

export interface Example {
  file: string;
  resource: Record<string, unknown>;
}

/** A Bundle whose entries are all definitions (`Bundle-resources`, `Bundle-valuesets`...) is the specification's own
 *  packaging of the definitions above (105 of the package's 116 MB), so it is left out too. */
function isDefinitions(r: Record<string, unknown>): boolean {
  if (EXCLUDED_TYPES.includes(String(r.resourceType))) return true;
  if (r.resourceType !== 'Bundle' || !Array.isArray(r.entry) || r.entry.length === 0) return false;
  return (r.entry as { resource?: Record<string, unknown> }[]).every((e) => e.resource !== undefined && isDefinitions(e.resource));
}

export function r4Examples(): Example[] {
  return fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'package.json' && !EXCLUDED_TYPES.includes(f.slice(0, f.indexOf('-'))))
    .sort()
    .map((file) => ({
      file,
      resource: JSON.parse(fs.readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Record<string, unknown>,
    }))
    .filter((e) => !isDefinitions(e.resource));
}
