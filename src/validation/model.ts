// StructureDefinitions compiled once into element trees the walker follows, and the types of their JSON layout
// (elementdefinition.html).
import type { ElementDefinition, ElementDefinitionSlicing, StructureDefinition } from 'fhir/r4';
import { byCanonical, type Registry } from './registry';
import { snapshotOf } from './snapshot';
import { compileInvariant, type Invariant } from './invariants';
import type { PrimitiveRule } from './primitives';

export interface TypeRef {
  code: string;
  /** Profiles the value must conform to (`type.profile`). */
  profiles: string[];
  /** Resource types a Reference may point to; undefined when any. */
  targets?: string[];
  /** Filled by the engine on first use: what its values need checked, and the inside of its objects. */
  info?: TypeInfo;
  layout?: Layout | null;
}

export interface TypeInfo {
  /** The primitive type's JSON type and value rule; undefined for a complex type. */
  rule: PrimitiveRule | undefined;
  /** A resource type (`contained`, `Bundle.entry.resource`): walked as a resource of its own. */
  resource: boolean;
}

/** One JSON property name of a child element: `birthDate`, or `valueQuantity` for one type of `value[x]`. */
export interface JsonKey {
  def: ElementModel;
  type: TypeRef | undefined;
  /** The index of the element among the children (definition order) and of the type among its choices. */
  slot: number;
  typeIndex: number;
  key: string;
  /** `_birthDate`: where the primitive's id and extensions sit; undefined for a non-primitive type. */
  extKey: string | undefined;
  /** What the value adds to its parent's location: `.birthDate`, `.value.ofType(Quantity)`. */
  suffix: string;
  /** What its primitive extensions add: FHIRPath sees them on the element, `.value` for a choice. */
  extSuffix: string;
}

/** The JSON layout of a set of child elements, computed once per set (./shape.ts). */
export interface Shape {
  children: ElementModel[];
  /** Property names (without a leading `_`) of the children. */
  byName: Map<string, JsonKey>;
  /** Slots of the children with a minimum cardinality above zero, ascending. */
  required: number[];
  /** The choice elements, to name a property whose type they do not allow. */
  choices: ElementModel[];
  /** The property names of each child by slot and type index. */
  keys: JsonKey[][];
}

export interface Layout {
  shape: Shape;
  /** The base definition's root of the value's type, whose invariants (`qty-3`) apply to the value. */
  typeRoot: ElementModel | undefined;
}

export interface ElementModel {
  id: string;
  path: string;
  /** JSON name, without `[x]`. */
  name: string;
  min: number;
  max: number;
  /** Whether the JSON value is an array (from the base definition's cardinality). */
  array: boolean;
  types: TypeRef[];
  choice: boolean;
  children: Map<string, ElementModel>;
  contentReference?: string;
  slicing?: ElementDefinitionSlicing;
  slices: ElementModel[];
  sliceName?: string;
  fixed?: unknown;
  pattern?: unknown;
  binding?: { strength: string; valueSet?: string };
  invariants: Invariant[];
  /** Invariants of a primitive element, rewritten to run on its parent (`birthDate.all(...)`), where
   *  FHIRPath sees the value together with its `_birthDate` extensions. */
  parentInvariants: Invariant[];
  maxLength?: number;
  model: StructureModel;
  /** The inside of this element's objects when it has children of its own (filled on first use). */
  layout?: Layout;
}

export interface StructureModel {
  url: string;
  type: string;
  kind: string;
  root: ElementModel;
  byId: Map<string, ElementModel>;
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_TYPES: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};

function typeCode(t: NonNullable<ElementDefinition['type']>[number]): string {
  const ext = t.extension?.find((e) => e.url === FHIR_TYPE_EXT);
  if (ext?.valueUrl) return ext.valueUrl;
  return SYSTEM_TYPES[t.code] ?? t.code;
}

function targetType(profile: string, reg: Registry): string {
  const sd = byCanonical(reg.structureDefinitions, profile);
  return sd?.type ?? profile.slice(profile.lastIndexOf('/') + 1);
}

function fixedOrPattern(e: ElementDefinition, prefix: 'fixed' | 'pattern'): unknown {
  for (const [k, v] of Object.entries(e)) if (k.startsWith(prefix)) return v;
  return undefined;
}

const parseMax = (max: string | undefined): number =>
  max === undefined || max === '*' ? Infinity : Number(max);

function compileElement(e: ElementDefinition, model: StructureModel, reg: Registry): ElementModel {
  const last = e.path.slice(e.path.lastIndexOf('.') + 1);
  const choice = last.endsWith('[x]');
  const types = (e.type ?? []).map((t) => {
    let code = typeCode(t);
    // The R4 snapshots type Resource.id as `string`; the specification's type for it is `id`.
    if (code === 'string' && e.base?.path === 'Resource.id') code = 'id';
    const ref: TypeRef = { code, profiles: t.profile ?? [] };
    if ((code === 'Reference' || code === 'canonical') && t.targetProfile?.length) {
      const targets = t.targetProfile.map((p) => targetType(p, reg));
      if (!targets.includes('Resource')) ref.targets = targets;
    }
    return ref;
  });
  const baseMax = e.base?.max ?? e.max;
  const m: ElementModel = {
    id: e.id ?? e.path,
    path: e.path,
    name: choice ? last.slice(0, -3) : last,
    min: e.min ?? 0,
    max: parseMax(e.max),
    array: e.path.includes('.') && baseMax !== '1' && baseMax !== '0',
    types,
    choice,
    children: new Map(),
    slices: [],
    invariants: [],
    parentInvariants: [],
    model,
  };
  const primitive = types.length > 0 && types.every((t) => /^[a-z]/.test(t.code));
  for (const c of e.constraint ?? []) {
    if (primitive && e.path.includes('.')) {
      const parentPath = e.path.slice(0, e.path.lastIndexOf('.'));
      const inv = compileInvariant(
        { ...c, expression: `${m.name}.all(${c.expression ?? 'true'})` },
        parentPath,
      );
      if (inv) m.parentInvariants.push(inv);
    } else {
      const inv = compileInvariant(c, e.path);
      if (inv) m.invariants.push(inv);
    }
  }
  if (e.contentReference) m.contentReference = e.contentReference.slice(e.contentReference.indexOf('#') + 1);
  if (e.slicing) m.slicing = e.slicing;
  if (e.sliceName) m.sliceName = e.sliceName;
  const fixed = fixedOrPattern(e, 'fixed');
  if (fixed !== undefined) m.fixed = fixed;
  const pattern = fixedOrPattern(e, 'pattern');
  if (pattern !== undefined) m.pattern = pattern;
  if (e.binding) m.binding = { strength: e.binding.strength, valueSet: e.binding.valueSet };
  if (e.maxLength) m.maxLength = e.maxLength;
  return m;
}

/** Compiles the snapshot of a definition into a tree of element models. */
export function compileStructure(sd: StructureDefinition, reg: Registry): StructureModel {
  const elements = snapshotOf(sd, reg);
  const model = { url: sd.url, type: sd.type, kind: sd.kind, byId: new Map() } as unknown as StructureModel;
  for (const e of elements) {
    const m = compileElement(e, model, reg);
    model.byId.set(m.id, m);
    const sep = m.id.lastIndexOf('.');
    if (sep < 0) {
      model.root = m;
      continue;
    }
    const lastSegment = m.id.slice(sep + 1);
    const colon = lastSegment.indexOf(':');
    const parent = model.byId.get(m.id.slice(0, sep));
    if (colon >= 0) {
      // A slice hangs off the element it slices.
      const sliced = model.byId.get(m.id.slice(0, sep + 1 + colon));
      if (sliced) sliced.slices.push(m);
    } else if (parent) {
      parent.children.set(m.name, m);
    }
  }
  return model;
}
