// Test helpers: the e-PHR fixtures, golden files (UPDATE_GOLDEN=1 rewrites them) and schema look-ups.
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4';
import { projectRoot } from '../../src/project-root';
import { mapRecord, type MapResult } from '../../src/mapping';

export const fixturesDir = path.join(projectRoot, 'fixtures', 'ephr');
export const clinic = { name: 'Reception clinic (test)', id: 'CLINIC-TEST-1' };
export const now = '2024-02-01T00:00:00Z';

export function fixtureNames(): string[] {
  return fs
    .readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

export function loadFixture(name: string, dir = fixturesDir): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

export function mapFixture(name: string): MapResult {
  return mapRecord(loadFixture(name), { clinic, now });
}

/** Compares with the golden file, or writes it when UPDATE_GOLDEN=1. */
export function expectGolden(file: string, actual: unknown): void {
  const target = path.join(fixturesDir, 'expected', file);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(fs.readFileSync(target, 'utf8')));
}

export function resources(bundle: Bundle): FhirResource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
}

export function byType<T extends FhirResource['resourceType']>(
  bundle: Bundle,
  type: T,
): Extract<FhirResource, { resourceType: T }>[] {
  return resources(bundle).filter((r) => r.resourceType === type) as Extract<
    FhirResource,
    { resourceType: T }
  >[];
}

export function itemIdentifier(r: FhirResource): string | undefined {
  const ids = (
    r as { identifier?: { system?: string; value?: string } | { system?: string; value?: string }[] }
  ).identifier;
  const list = Array.isArray(ids) ? ids : ids ? [ids] : [];
  return list.find((i) => i.system === 'http://ephr-fhir.org/fhir/sid/ephr-item')?.value;
}

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  definitions?: Record<string, SchemaNode>;
};
const schema = JSON.parse(
  fs.readFileSync(path.join(projectRoot, 'mappings', 'ephr-record.schema.json'), 'utf8'),
) as SchemaNode;

/** True when the record path (`episodes[0].vitals.weight.value`) is a field the input schema defines. */
export function schemaDefines(recordPath: string): boolean {
  let node: SchemaNode | undefined = schema;
  for (const m of recordPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    while (node?.$ref) node = schema.definitions?.[node.$ref.replace('#/definitions/', '')];
    if (!node) return false;
    node = m[2] !== undefined ? node.items : node.properties?.[m[1] ?? ''];
  }
  return node !== undefined;
}
