// Mutants inside backbone elements and datatypes (Patient.contact[0].name, Observation.component[0].code), and
// mutants that break FHIRPath invariants (obs-7, dom-2, dom-4, dom-5, per-1, ele-1, ext-1), each with its location.
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { readPackageFile } from '../../src/fhir/definitions';
import type { Example } from './r4-examples';
import type { Mutant, MutationKind } from './mutations';

type Json = Record<string, unknown>;

const snapshots = new Map<string, ElementDefinition[]>();
function snapshot(type: string): ElementDefinition[] {
  let els = snapshots.get(type);
  if (!els) {
    els = readPackageFile<StructureDefinition>(`StructureDefinition-${type}.json`).snapshot!.element;
    snapshots.set(type, els);
  }
  return els;
}

const PRIMITIVE = /^[a-z]/;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const last = (p: string): string => p.slice(p.lastIndexOf('.') + 1);

/** The child definitions of an element: inline (backbone) ones, or its datatype's; none for choices and resources. */
function childrenOf(
  owner: string,
  e: ElementDefinition,
): { defs: ElementDefinition[]; base: string } | undefined {
  if (e.path.endsWith('[x]') || e.contentReference || (e.type?.length ?? 0) !== 1) return undefined;
  const code = e.type![0]!.code;
  const inline = snapshot(owner).filter(
    (x) => x.path.startsWith(e.path + '.') && !x.path.slice(e.path.length + 1).includes('.'),
  );
  if (inline.length > 0 && ['BackboneElement', 'Element'].includes(code))
    return { defs: inline, base: e.path };
  if (PRIMITIVE.test(code) || ['Resource', 'Extension', 'Narrative', 'Reference', 'Meta'].includes(code))
    return undefined;
  try {
    const els = snapshot(code).filter((x) => x.path.split('.').length === 2);
    return { defs: els, base: code };
  } catch {
    return undefined;
  }
}

interface Site {
  /** FHIRPath of the object that holds the child (`Patient.contact[0]`). */
  at: string;
  /** Where that object sits in the mutated copy: a path of keys and indexes from the root. */
  keys: (string | number)[];
  owner: string;
  child: ElementDefinition;
  childBase: string;
  value: unknown;
}

/** Every child of every object one and two levels below the root (the first item of each array). */
function sites(rt: string, r: Json): Site[] {
  const out: Site[] = [];
  const visit = (
    owner: string,
    parentDef: ElementDefinition,
    obj: unknown,
    at: string,
    keys: (string | number)[],
    depth: number,
  ): void => {
    const kids = childrenOf(owner, parentDef);
    if (!kids || !isObject(obj)) return;
    for (const child of kids.defs) {
      const name = last(child.path);
      if (name === 'id' || name === 'extension' || name === 'modifierExtension' || child.path.endsWith('[x]'))
        continue;
      if (!(name in obj)) {
        out.push({ at, keys, owner, child, childBase: kids.base, value: undefined });
        continue;
      }
      const value = obj[name];
      out.push({ at, keys, owner, child, childBase: kids.base, value });
      if (depth < 2) {
        const first = Array.isArray(value) ? value[0] : value;
        const here = Array.isArray(value) ? `${at}.${name}[0]` : `${at}.${name}`;
        const nextOwner = kids.base === parentDef.path ? owner : kids.base;
        visit(
          nextOwner,
          child,
          first,
          here,
          [...keys, name, ...(Array.isArray(value) ? [0] : [])],
          depth + 1,
        );
      }
    }
  };
  for (const e of snapshot(rt).filter((x) => x.path.split('.').length === 2)) {
    const name = last(e.path);
    if (e.path.endsWith('[x]') || !(name in r) || name === 'meta' || name === 'text') continue;
    const value = r[name];
    const first = Array.isArray(value) ? value[0] : value;
    visit(
      rt,
      e,
      first,
      Array.isArray(value) ? `${rt}.${name}[0]` : `${rt}.${name}`,
      [name, ...(Array.isArray(value) ? [0] : [])],
      1,
    );
  }
  return out;
}

function at(root: Json, keys: (string | number)[]): Json {
  let node: unknown = root;
  for (const k of keys) node = (node as Record<string | number, unknown>)[k];
  return node as Json;
}

/** Value sets over external systems we do not hold (BCP-13, BCP-47, ISO 4217): their codes are not enumerable. */
const EXTERNAL = /mimetypes|languages|currencies/;

const types = (e: ElementDefinition): string[] => (e.type ?? []).map((t) => t.code);
const single = (e: ElementDefinition): boolean => (e.base?.max ?? e.max) === '1';

/** Sites inside backbone elements (`Patient.contact[0]`) before those inside datatypes (`Patient.identifier[0]`). */
const inBackboneFirst = (list: Site[]): Site | undefined =>
  list.find((s) => s.childBase.includes('.')) ?? list[0];

export function mutateNested(example: Example): Mutant[] {
  const r = example.resource;
  const rt = r.resourceType as string;
  const out: Mutant[] = [];
  const add = (kind: MutationKind, change: (c: Json) => void, expression: string, key?: string): void => {
    const copy = structuredClone(r);
    change(copy);
    out.push({ file: example.file, kind, resource: copy, expression, ...(key ? { key } : {}) });
  };
  const all = sites(rt, r);
  const present = all.filter((s) => s.value !== undefined);
  const name = (s: Site): string => last(s.child.path);

  const unknown = present.find((s) => isObject(s.value) && !PRIMITIVE.test(types(s.child)[0] ?? ''));
  if (unknown)
    add(
      'nested unknown element',
      (c) => (at(c, [...unknown.keys, name(unknown)]).colour = 'blue'),
      `${unknown.at}.${name(unknown)}.colour`,
    );

  const str = present.find(
    (s) =>
      single(s.child) &&
      typeof s.value === 'string' &&
      ['string', 'code', 'uri', 'markdown'].includes(types(s.child)[0] ?? ''),
  );
  if (str) add('nested wrong type', (c) => (at(c, str.keys)[name(str)] = 42), `${str.at}.${name(str)}`);

  const complex = inBackboneFirst(
    present.filter(
      (s) =>
        single(s.child) &&
        isObject(s.value) &&
        types(s.child).length === 1 &&
        !PRIMITIVE.test(types(s.child)[0]!) &&
        types(s.child)[0] !== 'Resource',
    ),
  );
  if (complex)
    add(
      'nested wrong type',
      (c) => (at(c, complex.keys)[name(complex)] = 'text'),
      `${complex.at}.${name(complex)}`,
    );

  const required = inBackboneFirst(present.filter((s) => (s.child.min ?? 0) > 0));
  if (required)
    add(
      'nested missing required element',
      (c) => delete at(c, required.keys)[name(required)],
      `${required.at}.${name(required)}`,
    );

  const dated = present.find(
    (s) =>
      single(s.child) &&
      typeof s.value === 'string' &&
      ['date', 'dateTime', 'instant'].includes(types(s.child)[0] ?? ''),
  );
  if (dated)
    add(
      'nested malformed date',
      (c) => (at(c, dated.keys)[name(dated)] = '2021-02-30'),
      `${dated.at}.${name(dated)}`,
    );

  const bound = present.find(
    (s) =>
      single(s.child) &&
      typeof s.value === 'string' &&
      types(s.child).join() === 'code' &&
      s.child.binding?.strength === 'required' &&
      !EXTERNAL.test(s.child.binding.valueSet ?? ''),
  );
  if (bound)
    add(
      'nested bad code in required binding',
      (c) => (at(c, bound.keys)[name(bound)] = 'no-such-code'),
      `${bound.at}.${name(bound)}`,
    );

  const many = present.find(
    (s) => single(s.child) && s.value !== undefined && !Array.isArray(s.value) && name(s) !== 'url',
  );
  if (many)
    add(
      'nested too many values',
      (c) => (at(c, many.keys)[name(many)] = [many.value, many.value]),
      `${many.at}.${name(many)}`,
    );

  out.push(...invariantMutants(example));
  return out;
}

function invariantMutants(example: Example): Mutant[] {
  const r = example.resource;
  const rt = r.resourceType as string;
  const top = snapshot(rt).filter((e) => e.path.split('.').length === 2);
  const out: Mutant[] = [];
  const add = (change: (c: Json) => void, expression: string, key: string): void => {
    const copy = structuredClone(r);
    change(copy);
    out.push({ file: example.file, kind: 'broken invariant', resource: copy, expression, key });
  };
  const domain = top.some((e) => last(e.path) === 'contained');
  const contained = Array.isArray(r.contained) ? (r.contained as Json[]) : [];
  if (domain && contained.length > 0) {
    const inner = { resourceType: 'Basic', id: 'inner-mutant', code: { text: 'nested' } };
    add((c) => ((c.contained as Json[])[0]!.contained = [inner]), rt, 'dom-2');
    add((c) => ((c.contained as Json[])[0]!.meta = { versionId: '3' }), rt, 'dom-4');
    add(
      (c) =>
        ((c.contained as Json[])[0]!.meta = {
          security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
        }),
      rt,
      'dom-5',
    );
  }

  // obs-7: a component with the Observation's own code must not carry a value when the Observation has one.
  const valueKey = Object.keys(r).find((k) => /^value[A-Z]/.test(k));
  if (rt === 'Observation' && valueKey && isObject(r.code) && Array.isArray(r.code.coding)) {
    add(
      (c) =>
        (c.component = [...((c.component as unknown[]) ?? []), { code: r.code, valueString: 'same code' }]),
      rt,
      'obs-7',
    );
  }

  // per-1: a Period that ends before it starts.
  const period = top.find(
    (e) => !e.path.endsWith('[x]') && types(e).join() === 'Period' && single(e) && isObject(r[last(e.path)]),
  );
  if (period)
    add(
      (c) => (c[last(period.path)] = { start: '2020-02-01', end: '2020-01-01' }),
      `${rt}.${last(period.path)}`,
      'per-1',
    );
  const periodChoice = top.find(
    (e) => e.path.endsWith('[x]') && isObject(r[last(e.path).replace('[x]', '') + 'Period']),
  );
  if (periodChoice) {
    const key = last(periodChoice.path).replace('[x]', '');
    add(
      (c) => (c[key + 'Period'] = { start: '2020-02-01T10:00:00Z', end: '2020-01-01T10:00:00Z' }),
      `${rt}.${key}.ofType(Period)`,
      'per-1',
    );
  }

  // ele-1: an item of a repeating complex element with neither a value nor children.
  const list = top.find(
    (e) =>
      !e.path.endsWith('[x]') &&
      !single(e) &&
      Array.isArray(r[last(e.path)]) &&
      types(e).length === 1 &&
      !PRIMITIVE.test(types(e)[0]!) &&
      types(e)[0] !== 'Resource',
  );
  if (list) {
    const key = last(list.path);
    add(
      (c) => (c[key] = [...(c[key] as unknown[]), {}]),
      `${rt}.${key}[${(r[key] as unknown[]).length}]`,
      'ele-1',
    );
  }

  // ext-1: an extension with both a value and sub-extensions.
  if (top.some((e) => last(e.path) === 'extension')) {
    const n = Array.isArray(r.extension) ? r.extension.length : 0;
    const bad = {
      url: 'http://example.org/fhir/StructureDefinition/mutant',
      valueString: 'a',
      extension: [{ url: 'part', valueString: 'b' }],
    };
    add(
      (c) => (c.extension = [...((c.extension as unknown[]) ?? []), bad]),
      `${rt}.extension[${n}]`,
      'ext-1',
    );
  }
  return out;
}
