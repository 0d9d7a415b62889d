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
  return (r.entry as { resource?: Record<string, unknown> }[]).every(
    (e) => e.resource !== undefined && isDefinitions(e.resource),
  );
}

export function r4Examples(): Example[] {
  return fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter(
      (f) =>
        f.endsWith('.json') && f !== 'package.json' && !EXCLUDED_TYPES.includes(f.slice(0, f.indexOf('-'))),
    )
    .sort()
    .map((file) => ({
      file,
      resource: JSON.parse(fs.readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Record<
        string,
        unknown
      >,
    }))
    .filter((e) => !isDefinitions(e.resource));
}

/** Examples of hl7.fhir.r4.examples@4.0.1 that break the R4 definitions, with the reason (checked by hand). */
export const INVALID_EXAMPLES: Record<string, string> = {
  'Questionnaire-qs1.json': 'nested items have no linkId (Questionnaire.item.linkId is 1..1)',
  'DeviceMetric-example.json':
    'DeviceMetric.parent references a DeviceDefinition; R4 allows Reference(Device) only',
  'DeviceUseStatement-example.json': 'reasonReference points to a Procedure, which R4 does not allow there',
  'MedicationRequest-medrx0301.json':
    'dispenseRequest.performer references a Practitioner; R4 allows Reference(Organization)',
  'Observation-clinical-gender.json': 'performer references an Encounter, which R4 does not allow',
  // txt-2: "The narrative SHALL have some non-whitespace content" (narrative.html#xhtml); these divs hold only white
  // space (the Questionnaire's an empty <pre>).
  'ActivityDefinition-blood-tubes-supply.json': 'text.div is empty (txt-2)',
  'ActivityDefinition-heart-valve-replacement.json': 'text.div is empty (txt-2)',
  'EventDefinition-example.json': 'text.div is empty (txt-2)',
  'Questionnaire-zika-virus-exposure-assessment.json': 'text.div holds only an empty <pre> (txt-2)',
  'Bundle-ussg-fht.json':
    'its Questionnaire and ValueSets claim SDC profiles (hl7.fhir.us.sdc) that are not part of R4 core',
};

/** The specification's own definition bundles that break the R4 definitions: the core content uses some of its own
 *  extensions outside the contexts their definitions allow, and claims profiles the package does not hold. */
export const INVALID_DEFINITIONS: Record<string, string> = {
  'Bundle-extensions.json':
    'structuredefinition-fhir-type sits on ElementDefinition.type; its context allows ElementDefinition.type.code only',
  'Bundle-profiles-others.json':
    'structuredefinition-fhir-type sits on ElementDefinition.type; its context allows ElementDefinition.type.code only',
  'Bundle-types.json':
    'structuredefinition-normative-version on ElementDefinition (context: StructureDefinition); fhir-type and regex on ElementDefinition.type',
  'Bundle-v2-valuesets.json':
    'structuredefinition-normative-version on CodeSystem (context: StructureDefinition)',
  'Bundle-v3-valuesets.json':
    'structuredefinition-normative-version on CodeSystem (context: StructureDefinition)',
  'Bundle-valueset-expansions.json':
    'translation on ValueSet.expansion.contains (context: string, code, markdown); normative-version on ValueSet',
  'Bundle-valuesets.json':
    'normative-version on CodeSystem and ValueSet; claims profiles (valueset-endpoint-connection-type...) R4 does not define',
  'ig-r4.json': 'the ImplementationGuide has no name and no status (both 1..1)',
};
