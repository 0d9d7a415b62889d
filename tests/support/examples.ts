// The official R4 examples (hl7.fhir.r4.examples@4.0.1) other than conformance resources.
import fs from 'node:fs';
import path from 'node:path';
import { R4_PACKAGE_DIR } from '../../src/fhir/definitions';

export const CONFORMANCE_TYPES = [
  'StructureDefinition',
  'SearchParameter',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'CapabilityStatement',
  'OperationDefinition',
  'CompartmentDefinition',
  'ImplementationGuide',
  'NamingSystem',
  'StructureMap',
  'GraphDefinition',
  'TerminologyCapabilities',
  'MessageDefinition',
  'ExampleScenario',
];

export interface Example {
  file: string;
  text: string;
  type: string;
  id: string;
}

export function r4Examples(): Example[] {
  return fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .filter((f) => !CONFORMANCE_TYPES.includes(f.split('-')[0]!))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8');
      const { resourceType, id } = JSON.parse(text) as { resourceType: string; id: string };
      return { file, text, type: resourceType, id };
    });
}
