// Shared state of one record's mapping: deterministic ids, bundle entries, the report (bundle.html#transaction).
import { createHash } from 'node:crypto';
import type { BundleEntry, FhirResource, Identifier, Meta, Reference } from 'fhir/r4';
import { gbvContent } from '../fhir/gbv-content';
import type { Issue } from '../fhir/outcome';
import type { Rules } from './rules';
import type { Source } from './source';

export interface MapOptions {
  clinic: { name: string; id?: string };
  /** Fallback for Provenance.recorded when the record carries no exportedAt (ISO instant). */
  now?: string;
}

/** A UUID (version 5 layout) from a SHA-1 of the name, so fullUrls are stable across runs. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface EpisodeScope {
  /** Path of the episode in the record, e.g. `episodes[1]`. */
  path: string;
  episodeId: string;
  encounter: Reference;
  /** Episode date, used as effective/recorded date of what it produced. */
  date: string;
  /** Its GBV enquiry disclosed violence (gbv.ts): treatments and referrals may come from it (care.ts). */
  gbvDisclosed?: boolean;
}

export class MappingContext {
  readonly entries: BundleEntry[] = [];
  readonly issues: Issue[] = [];
  readonly patient: Reference;

  constructor(
    readonly rules: Rules,
    readonly src: Source,
    readonly recordId: string,
    readonly options: MapOptions,
  ) {
    this.patient = { reference: this.fullUrl('patient') };
  }

  /** `<recordId>/<episodeId>/<item>`: the value of the ephr-item identifier. */
  itemValue(episodeId: string, item: string): string {
    return `${this.recordId}/${episodeId}/${item}`;
  }

  fullUrl(itemValue: string): string {
    return `urn:uuid:${stableUuid(`${this.recordId}|${itemValue}`)}`;
  }

  itemIdentifier(value: string): Identifier {
    return { system: this.rules.common.identifierSystems.item, value };
  }

  meta(profile?: string, sensitive = false): Meta | undefined {
    const meta: Meta = {};
    if (profile) meta.profile = [this.rules.common.profiles[profile] ?? profile];
    // The labels of GBV content have one home, mappings/gbv-content.json, which the server's label step reads too.
    if (sensitive) meta.security = gbvContent().labels.map((c) => ({ ...c }));
    return meta.profile || meta.security ? meta : undefined;
  }

  /**
   * Adds a resource as a conditional update on its identifier (or conditional create when rules/common.json says
   * so), and returns the reference other entries use.
   */
  add(resource: FhirResource, identifier: Identifier, key: string): Reference {
    const fullUrl = this.fullUrl(key);
    const query = `identifier=${encodeURIComponent(`${identifier.system ?? ''}|${identifier.value ?? ''}`)}`;
    const request: BundleEntry['request'] =
      this.rules.common.conditionalMode === 'create'
        ? { method: 'POST', url: resource.resourceType, ifNoneExist: query }
        : { method: 'PUT', url: `${resource.resourceType}?${query}` };
    this.entries.push({ fullUrl, resource, request });
    return { reference: fullUrl };
  }

  /** Adds an episode-level resource whose ephr-item identifier is `<recordId>/<episodeId>/<item>`. */
  addItem(
    ep: EpisodeScope | undefined,
    item: string,
    build: (identifier: Identifier) => FhirResource,
  ): Reference {
    const value = this.itemValue(ep?.episodeId ?? 'record', item);
    const identifier = this.itemIdentifier(value);
    return this.add(build(identifier), identifier, value);
  }

  warn(diagnostics: string, expression: string, code: Issue['code'] = 'value'): void {
    this.issues.push({ severity: 'warning', code, diagnostics, expression: [expression] });
  }

  dataAbsent(reason: string): { extension: { url: string; valueCode: string }[] } {
    return { extension: [{ url: this.rules.common.extensions.dataAbsentReason, valueCode: reason }] };
  }
}

/** Item key of a repeating element: its own `id` when the export gives one, else its index. */
export function itemKey(src: Source, path: string): string {
  const id = src.string(`${path}.id`);
  if (id !== undefined) return id;
  const m = /\[(\d+)\]$/.exec(path);
  return m?.[1] ?? '0';
}
