// GET [base]/metadata: the CapabilityStatement, built from what this server implements (http.html#capabilities).
import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { concreteResourceTypes, FHIR_VERSION } from '../fhir/definitions';
import { searchParameterRegistry } from '../search';
import { CONFORMANCE_TYPES } from './conformance';
import type { Handler, ServerContext } from './types';
import { SOFTWARE_NAME, SOFTWARE_VERSION } from '../version';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];

const TYPE_LEVEL: Array<[string, TypeInteraction]> = [
  ['read', 'read'],
  ['vread', 'vread'],
  ['update', 'update'],
  ['patch', 'patch'],
  ['delete', 'delete'],
  ['history-instance', 'history-instance'],
  ['history-type', 'history-type'],
  ['create', 'create'],
  ['search-type', 'search-type'],
];

export function capabilityStatement(ctx: ServerContext): CapabilityStatement {
  const has = (i: string): boolean => i in ctx.handlers;
  const profilesByType = new Map<string, string[]>();
  for (const r of ctx.validator?.conformanceResources() ?? []) {
    const sd = r as { resourceType: string; kind?: string; type?: string; url?: string };
    if (sd.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || !sd.type || !sd.url) continue;
    profilesByType.set(sd.type, [...(profilesByType.get(sd.type) ?? []), sd.url]);
  }
  const interactions = TYPE_LEVEL.filter(([h]) => has(h)).map(([, code]) => ({ code }));
  const resource: CapabilityStatementRestResource[] =
    interactions.length === 0
      ? []
      : [...concreteResourceTypes()].map((type) => ({
          type: type as CapabilityStatementRestResource['type'],
          ...(CONFORMANCE_TYPES.has(type) ? conformanceType(type, has) : storedType(type, has, interactions)),
          ...(profilesByType.has(type) && { supportedProfile: profilesByType.get(type) }),
          ...(has('operation-type') && {
            operation: [
              { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
            ],
          }),
        }));
  const system = (
    [
      ['batch', 'transaction'],
      ['batch', 'batch'],
      ['history-system', 'history-system'],
      ['search-system', 'search-system'],
    ] as const
  )
    .filter(([h]) => has(h))
    .map(([, code]) => ({ code }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: BUILD_DATE,
    publisher: 'ephr-fhir',
    kind: 'instance',
    software: { name: SOFTWARE_NAME, version: SOFTWARE_VERSION },
    implementation: {
      description: 'ephr-fhir: FHIR R4 server for migrants\u2019 e-PHR records',
      url: ctx.config.baseUrl,
    },
    fhirVersion: FHIR_VERSION,
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: ctx.config.corsOrigins.length > 0,
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
          description: 'SMART App Launch 2 and Backend Services: see .well-known/smart-configuration',
          ...(ctx.oauth && {
            extension: [
              {
                url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
                extension: [
                  { url: 'token', valueUri: ctx.oauth.token },
                  ...(ctx.oauth.authorize ? [{ url: 'authorize', valueUri: ctx.oauth.authorize }] : []),
                ],
              },
            ],
          }),
        },
        resource,
        ...(system.length > 0 && { interaction: system }),
        ...(has('operation-system') && {
          operation: [
            { name: 'import-ephr', definition: 'http://ephr-fhir.org/fhir/OperationDefinition/import-ephr' },
          ],
        }),
      },
    ],
  };
}

const BUILD_DATE = new Date().toISOString();

type Has = (interaction: string) => boolean;

/** A type kept in the database: every interaction the server has, versioned, with If-Match (versioned-update). */
function storedType(
  type: string,
  has: Has,
  interactions: Array<{ code: TypeInteraction }>,
): Partial<CapabilityStatementRestResource> {
  return {
    interaction: interactions,
    versioning: has('update') ? 'versioned-update' : 'versioned',
    readHistory: has('vread'),
    updateCreate: has('update'),
    conditionalCreate: has('create'), // If-None-Exist
    conditionalRead: has('read') ? 'full-support' : 'not-supported', // If-None-Match and If-Modified-Since
    conditionalUpdate: has('conditional-update'),
    conditionalDelete: has('conditional-delete') ? 'single' : 'not-supported',
    ...(has('search-type') && searchCapabilities(type)),
  };
}

/** The parameters a conformance type's search understands (see conformance.ts). */
const CONFORMANCE_SEARCH = ['url', '_id', 'name', 'status'];

/** Conformance types come from the profiles and the R4 package: read and search only (writes answer 405). */
function conformanceType(type: string, has: Has): Partial<CapabilityStatementRestResource> {
  const interaction: Array<{ code: TypeInteraction }> = [];
  if (has('read')) interaction.push({ code: 'read' });
  if (has('search-type')) interaction.push({ code: 'search-type' });
  const defs = new Map(
    searchParameterRegistry()
      .byType(type)
      .map((d) => [d.code, d]),
  );
  return {
    interaction,
    versioning: 'no-version',
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    ...(has('search-type') && {
      searchParam: CONFORMANCE_SEARCH.flatMap((code) => {
        const d = defs.get(code);
        return d ? [{ name: d.code, definition: d.url, type: d.type }] : [];
      }),
    }),
  };
}

/** The search parameters of a type as the registry knows them (R4 and ours), and what `_include` can follow. */
function searchCapabilities(type: string): Partial<CapabilityStatementRestResource> {
  const defs = searchParameterRegistry().byType(type);
  const refs = defs.filter((d) => d.type === 'reference').map((d) => `${type}:${d.code}`);
  return {
    searchParam: defs.map((d) => ({
      name: d.code,
      definition: d.url,
      type: d.type,
    })),
    ...(refs.length > 0 && { searchInclude: ['*', ...refs] }),
    searchRevInclude: ['*'],
  };
}

export const capabilities: Handler = (ctx) => ({ status: 200, body: capabilityStatement(ctx) });
