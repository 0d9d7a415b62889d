// fhir-kit-client (ES module only) loaded from CommonJS tests: jest transpiles it (see jest.config.js).
import type { Client } from 'fhir-kit-client' with { 'resolution-mode': 'import' };

export async function fhirClient(baseUrl: string): Promise<Client> {
  const { Client: ClientClass } = await import('fhir-kit-client');
  return new ClientClass({ baseUrl });
}
