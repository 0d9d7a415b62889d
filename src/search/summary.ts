// `_summary` and `_elements` (search.html#summary, #elements): top-level elements kept by the R4 `isSummary`
// flags (or the named ones), the mandatory ones always, and a SUBSETTED tag on the meta.
import type { Resource, StructureDefinition } from 'fhir/r4';
import { packageFiles, readPackageFile } from '../fhir/definitions';
import type { SummaryMode } from './request';

let summaryElements: Map<string, { summary: Set<string>; mandatory: Set<string> }> | undefined;

function elementsOf(type: string): { summary: Set<string>; mandatory: Set<string> } {
  if (!summaryElements) {
    summaryElements = new Map();
    for (const f of packageFiles('StructureDefinition')) {
      const sd = readPackageFile<StructureDefinition>(f);
      if (sd.kind !== 'resource' || sd.derivation !== 'specialization') continue;
      const summary = new Set<string>(['id', 'meta', 'resourceType']);
      const mandatory = new Set<string>(['id', 'meta', 'resourceType']);
      for (const el of sd.snapshot?.element ?? []) {
        const parts = el.path.split('.');
        if (parts.length !== 2) continue;
        const name = (parts[1] ?? '').replace('[x]', '');
        if (el.isSummary) summary.add(name);
        if ((el.min ?? 0) > 0) mandatory.add(name);
      }
      summaryElements.set(sd.type, { summary, mandatory });
    }
  }
  return (
    summaryElements.get(type) ?? { summary: new Set(['id', 'meta']), mandatory: new Set(['id', 'meta']) }
  );
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

function keep(resource: Resource, wanted: (key: string) => boolean): Resource {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    const base = name.replace(/[A-Z].*$/, '');
    if (key === 'resourceType' || wanted(name) || wanted(base)) out[key] = value;
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
  const { summary: summaryNames, mandatory } = elementsOf(resource.resourceType);
  if (elements && elements.length) return keep(resource, (k) => mandatory.has(k) || elements.includes(k));
  switch (summary) {
    case undefined:
    case 'false':
    case 'count':
      return resource;
    case 'true':
      return keep(resource, (k) => summaryNames.has(k));
    case 'text':
      return keep(resource, (k) => k === 'text' || k === 'id' || k === 'meta' || mandatory.has(k));
    case 'data':
      return keep(resource, (k) => k !== 'text');
  }
}
