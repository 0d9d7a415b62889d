// `_summary` and `_elements` (search.html#summary, #elements): top-level elements kept by the R4 `isSummary`
// flags (or the named ones), the mandatory ones always, and a SUBSETTED tag on the meta.
import type { ElementDefinition, Resource, StructureDefinition } from 'fhir/r4';
import { packageFiles, readPackageFile } from '../fhir/definitions';
import type { SummaryMode } from './request';

interface TypeElements {
  summary: Set<string>;
  mandatory: Set<string>;
  /** JSON property -> element name, from the definitions: `multipleBirthInteger` -> `multipleBirth`. */
  elementOf: Map<string, string>;
}

const BASE: readonly string[] = ['id', 'meta', 'resourceType'];
let byType: Map<string, TypeElements> | undefined;

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The JSON properties one top-level element can take: its name, or one per type of a choice `[x]`. */
function propertiesOf(el: ElementDefinition, name: string): string[] {
  if (!el.path.endsWith('[x]')) return [name];
  return (el.type ?? []).map((t) => name + upperFirst(t.code));
}

function typeElements(sd: StructureDefinition): TypeElements {
  const summary = new Set<string>(BASE);
  const mandatory = new Set<string>(BASE);
  const elementOf = new Map<string, string>(BASE.map((n) => [n, n]));
  for (const el of sd.snapshot?.element ?? []) {
    const parts = el.path.split('.');
    if (parts.length !== 2) continue;
    const name = (parts[1] ?? '').replace('[x]', '');
    if (el.isSummary) summary.add(name);
    if ((el.min ?? 0) > 0) mandatory.add(name);
    for (const p of propertiesOf(el, name)) elementOf.set(p, name);
  }
  return { summary, mandatory, elementOf };
}

function elementsOf(type: string): TypeElements {
  if (!byType) {
    byType = new Map();
    for (const f of packageFiles('StructureDefinition')) {
      const sd = readPackageFile<StructureDefinition>(f);
      if (sd.kind !== 'resource' || sd.derivation !== 'specialization') continue;
      byType.set(sd.type, typeElements(sd));
    }
  }
  return (
    byType.get(type) ?? {
      summary: new Set(['id', 'meta']),
      mandatory: new Set(['id', 'meta']),
      elementOf: new Map(),
    }
  );
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

function keep(
  resource: Resource,
  elementOf: Map<string, string>,
  wanted: (name: string) => boolean,
): Resource {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    // `_birthDate` carries the id and extensions of the primitive `birthDate`: it goes with it.
    const property = key.startsWith('_') ? key.slice(1) : key;
    const name = elementOf.get(property) ?? property;
    if (key === 'resourceType' || wanted(name)) out[key] = value;
  }
  const meta = (out.meta ?? {}) as Record<string, unknown>;
  out.meta = { ...meta, tag: [...((meta.tag as unknown[] | undefined) ?? []), SUBSETTED] };
  return out as unknown as Resource;
}

export function summarise(
  resource: Resource,
  summary: SummaryMode | undefined,
  elements?: string[],
): Resource {
  const { summary: summaryNames, mandatory, elementOf } = elementsOf(resource.resourceType);
  if (elements && elements.length)
    return keep(resource, elementOf, (k) => mandatory.has(k) || elements.includes(k));
  switch (summary) {
    case undefined:
    case 'false':
    case 'count':
      return resource;
    case 'true':
      return keep(resource, elementOf, (k) => summaryNames.has(k));
    case 'text':
      return keep(resource, elementOf, (k) => k === 'text' || k === 'id' || k === 'meta' || mandatory.has(k));
    case 'data':
      return keep(resource, elementOf, (k) => k !== 'text');
  }
}
