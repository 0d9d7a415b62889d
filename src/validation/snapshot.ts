// Snapshot generation: a profile's differential applied over its base snapshot (profiling.html#snapshot).
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { byCanonical, type Registry } from './registry';

/** Fields of a differential element that replace the base's; `constraint` is appended instead. */
const SKIP = new Set(['id', 'path', 'constraint', 'base']);

const cache = new WeakMap<StructureDefinition, ElementDefinition[]>();

/** The snapshot elements of a definition, generated from base + differential when it has none. */
export function snapshotOf(sd: StructureDefinition, reg: Registry): ElementDefinition[] {
  if (sd.snapshot) return sd.snapshot.element;
  const done = cache.get(sd);
  if (done) return done;
  if (!sd.baseDefinition)
    throw new Error(`StructureDefinition ${sd.url} has neither snapshot nor baseDefinition`);
  const base = byCanonical(reg.structureDefinitions, sd.baseDefinition);
  if (!base) throw new Error(`StructureDefinition ${sd.url}: base ${sd.baseDefinition} is unknown`);
  const elements = structuredClone(snapshotOf(base, reg));
  for (const diff of sd.differential?.element ?? []) merge(elements, diff, reg, sd.url);
  cache.set(sd, elements);
  return elements;
}

const idOf = (e: ElementDefinition): string => e.id ?? e.path;

function isUnder(id: string, root: string): boolean {
  return id === root || id.startsWith(root + '.') || id.startsWith(root + ':');
}

/** Index after the last element under `root` (itself, its children, its slices). */
function endOf(elements: ElementDefinition[], rootIndex: number, root: string): number {
  let i = rootIndex + 1;
  while (i < elements.length && isUnder(idOf(elements[i]!), root)) i++;
  return i;
}

function merge(elements: ElementDefinition[], diff: ElementDefinition, reg: Registry, url: string): void {
  const id = ensure(elements, idOf(diff), reg, url);
  const target = elements.find((e) => idOf(e) === id)!;
  const t = target as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(diff)) {
    if (SKIP.has(k)) continue;
    // A type-specific differential (`valueQuantity`) narrows the choice element to that type.
    if (k.startsWith('fixed') || k.startsWith('pattern')) {
      for (const old of Object.keys(t))
        if (old.startsWith('fixed') || old.startsWith('pattern')) delete t[old];
    }
    t[k] = structuredClone(v);
  }
  if (diff.constraint) {
    target.constraint = [
      ...(target.constraint ?? []),
      ...diff.constraint.map((c) => ({ ...c, source: c.source ?? url })),
    ];
  }
}

/** Makes sure the element with this id exists (unfolding types and creating slices); returns the real id. */
function ensure(elements: ElementDefinition[], id: string, reg: Registry, url: string): string {
  if (elements.some((e) => idOf(e) === id)) return id;
  const dot = lastSeparator(id);
  if (dot < 0) throw new Error(`${url}: element ${id} is not in the base`);
  const parentId = ensure(elements, id.slice(0, dot), reg, url);
  const segment = id.slice(dot + 1);
  const colon = segment.indexOf(':');
  if (colon >= 0) {
    // A new slice: a copy of the sliced element and of its children.
    const rootId = ensure(elements, `${parentId}.${segment.slice(0, colon)}`, reg, url);
    const sliceId = `${rootId}:${segment.slice(colon + 1)}`;
    const rootIndex = elements.findIndex((e) => idOf(e) === rootId);
    const root = elements[rootIndex]!;
    const children = elements.filter((e) => idOf(e).startsWith(rootId + '.'));
    const copies = [root, ...children].map((e) => {
      const c = structuredClone(e);
      c.id = sliceId + idOf(e).slice(rootId.length);
      return c;
    });
    delete copies[0]!.slicing;
    copies[0]!.sliceName = segment.slice(colon + 1);
    elements.splice(endOf(elements, rootIndex, rootId), 0, ...copies);
    return sliceId;
  }
  const childId = `${parentId}.${segment}`;
  if (elements.some((e) => idOf(e) === childId)) return childId;
  const parentIndex = elements.findIndex((e) => idOf(e) === parentId);
  const parent = elements[parentIndex]!;
  if (!elements.some((e) => idOf(e).startsWith(parentId + '.'))) {
    // Children of a data type are not in the resource's snapshot: unfold them from the type's own.
    const code = parent.type?.[0]?.code;
    const typeSd = code ? reg.types.get(code) : undefined;
    if (!typeSd?.snapshot) throw new Error(`${url}: cannot unfold ${parentId} (type ${code ?? '?'})`);
    const unfolded = typeSd.snapshot.element.slice(1).map((e) => {
      const c = structuredClone(e);
      c.id = parentId + idOf(e).slice(code!.length);
      c.path = parent.path + e.path.slice(code!.length);
      return c;
    });
    elements.splice(parentIndex + 1, 0, ...unfolded);
    if (elements.some((e) => idOf(e) === childId)) return childId;
  }
  // `valueQuantity` names the Quantity choice of `value[x]`.
  const choice = elements.find(
    (e) =>
      idOf(e).endsWith('[x]') &&
      idOf(e).startsWith(parentId + '.') &&
      segment.startsWith(idOf(e).slice(parentId.length + 1, -3)),
  );
  if (choice) {
    const typeName = segment.slice(idOf(choice).length - parentId.length - 4);
    const narrowed = choice.type?.filter((t) => t.code.toLowerCase() === typeName.toLowerCase());
    if (narrowed?.length) choice.type = narrowed;
    return idOf(choice);
  }
  throw new Error(`${url}: element ${id} is not in the base`);
}

/** Position of the `.` that separates the last segment (slice names may not contain dots). */
function lastSeparator(id: string): number {
  return id.lastIndexOf('.');
}
