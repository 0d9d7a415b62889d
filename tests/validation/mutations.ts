// Invalid resources derived from the R4 examples, each with the location a validator must report.
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { readPackageFile } from '../../src/fhir/definitions';
import type { Example } from './r4-examples';

export type MutationKind =
  | 'wrong type'
  | 'missing required element'
  | 'too many values'
  | 'bad code in required binding'
  | 'malformed date'
  | 'broken invariant'
  | 'unknown element'
  | 'two value[x]'
  | 'empty object'
  | 'null value'
  | 'nested unknown element'
  | 'nested wrong type'
  | 'nested missing required element'
  | 'nested malformed date'
  | 'nested bad code in required binding'
  | 'nested too many values';

export interface Mutant {
  file: string;
  kind: MutationKind;
  resource: Record<string, unknown>;
  /** The FHIRPath location the error must carry. */
  expression: string;
  /** The invariant the error must name (`dom-3`, `obs-7`). */
  key?: string;
}

const snapshots = new Map<string, ElementDefinition[]>();
function topElements(type: string): ElementDefinition[] {
  let els = snapshots.get(type);
  if (!els) {
    const sd = readPackageFile<StructureDefinition>(`StructureDefinition-${type}.json`);
    els = sd.snapshot!.element.filter((e) => e.path.split('.').length === 2);
    snapshots.set(type, els);
  }
  return els;
}

const name = (e: ElementDefinition): string => e.path.slice(e.path.indexOf('.') + 1).replace('[x]', '');
const codes = (e: ElementDefinition): string[] => (e.type ?? []).map((t) => t.code);
const single = (e: ElementDefinition): boolean => e.base?.max === '1';

/** Up to one mutant of each kind per example. */
export function mutate(example: Example): Mutant[] {
  const r = example.resource;
  const rt = r.resourceType as string;
  const els = topElements(rt);
  const out: Mutant[] = [];
  const add = (
    kind: MutationKind,
    change: (c: Record<string, unknown>) => void,
    expression: string,
    key?: string,
  ): void => {
    const copy = structuredClone(r);
    change(copy);
    out.push({ file: example.file, kind, resource: copy, expression, ...(key ? { key } : {}) });
  };
  const present = (e: ElementDefinition): string | undefined =>
    e.path.endsWith('[x]')
      ? Object.keys(r).find((k) => k.startsWith(name(e)) && /^[A-Z]/.test(k.slice(name(e).length)))
      : name(e) in r
        ? name(e)
        : undefined;

  const str = els.find(
    (e) =>
      single(e) &&
      codes(e).some((c) => ['string', 'code', 'uri', 'dateTime'].includes(c)) &&
      typeof r[name(e)] === 'string',
  );
  if (str) add('wrong type', (c) => (c[name(str)] = 42), `${rt}.${name(str)}`);

  const required = els.find((e) => (e.min ?? 0) > 0 && present(e) !== undefined);
  if (required) {
    const key = present(required)!;
    add('missing required element', (c) => delete c[key], `${rt}.${required.path.slice(rt.length + 1)}`);
    // Choices are reported as `value.ofType(Type)`; a missing one by its name alone.
  }

  const one = els.find(
    (e) =>
      single(e) && !e.path.endsWith('[x]') && name(e) !== 'id' && name(e) in r && !Array.isArray(r[name(e)]),
  );
  if (one) add('too many values', (c) => (c[name(one)] = [r[name(one)], r[name(one)]]), `${rt}.${name(one)}`);

  // MIME types (BCP-13) and languages (BCP-47) are external grammars, checked for their system only.
  const external = (e: ElementDefinition): boolean => /mimetypes|languages/.test(e.binding?.valueSet ?? '');
  const bound = els.find(
    (e) =>
      e.binding?.strength === 'required' &&
      !external(e) &&
      codes(e).join() === 'code' &&
      single(e) &&
      typeof r[name(e)] === 'string',
  );
  if (bound)
    add('bad code in required binding', (c) => (c[name(bound)] = 'no-such-code'), `${rt}.${name(bound)}`);

  const dated = els.find((e) => single(e) && dateKey(e) !== undefined);
  function dateKey(e: ElementDefinition): string | undefined {
    const key = present(e);
    if (key === undefined || typeof r[key] !== 'string') return undefined;
    const type = e.path.endsWith('[x]') ? key.slice(name(e).length) : codes(e)[0];
    return ['date', 'dateTime', 'instant', 'Date', 'DateTime', 'Instant'].includes(type ?? '')
      ? key
      : undefined;
  }
  if (dated) {
    const key = dateKey(dated)!;
    const at = dated.path.endsWith('[x]')
      ? `${name(dated)}.ofType(${key[name(dated).length]!.toLowerCase()}${key.slice(name(dated).length + 1)})`
      : key;
    add('malformed date', (c) => (c[key] = '2020-13-45'), `${rt}.${at}`);
  }

  if (els.some((e) => name(e) === 'contained')) {
    // dom-3: a contained resource that nothing references.
    const orphan = { resourceType: 'Basic', id: 'orphan-mutant', code: { text: 'unreferenced' } };
    add(
      'broken invariant',
      (c) => (c.contained = [...((c.contained as unknown[]) ?? []), orphan]),
      `${rt}.contained[${((r.contained as unknown[]) ?? []).length}]`,
      'dom-3',
    );
  }

  const value = els.find((e) => e.path === `${rt}.value[x]`);
  if (
    value &&
    present(value) !== undefined &&
    els.some((e) => name(e) === 'dataAbsentReason') &&
    !('dataAbsentReason' in r)
  ) {
    // obs-6 (FHIRPath): dataAbsentReason only when there is no value.
    add('broken invariant', (c) => (c.dataAbsentReason = { text: 'not asked' }), rt, 'obs-6');
  }

  add('unknown element', (c) => (c.colour = 'blue'), `${rt}.colour`);

  const choice = els.find(
    (e) => e.path.endsWith('[x]') && present(e) !== undefined && (e.type?.length ?? 0) > 1,
  );
  if (choice) {
    const key = present(choice)!;
    const other = choice
      .type!.map((t) => t.code)
      .find((t) => name(choice) + t[0]!.toUpperCase() + t.slice(1) !== key)!;
    const otherKey = name(choice) + other[0]!.toUpperCase() + other.slice(1);
    add('two value[x]', (c) => (c[otherKey] = r[key]), `${rt}.${name(choice)}.ofType(${other})`);
  }

  add('empty object', (c) => (c.meta = {}), `${rt}.meta`);

  const nullable = els.find((e) => name(e) in r && name(e) !== 'id' && single(e));
  if (nullable) add('null value', (c) => (c[name(nullable)] = null), `${rt}.${name(nullable)}`);
  return out;
}
