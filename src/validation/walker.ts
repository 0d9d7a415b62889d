// The instance walker: every property of a resource checked against its element tree (validation.html#structure).
import { checkBinding, checkFixedPattern, checkReference } from './checks';
import { report, type Context } from './engine';
import { holds, type Invariant } from './invariants';
import type { ElementModel, JsonKey, Shape, StructureModel, TypeRef } from './model';
import { describe, primitiveProblem } from './primitives';
import { assignSlices } from './slicing';
import { checkExtension } from './extensions';
import { checkContainedReferenced, checkLocalReference } from './native';
import { narrativeProblems } from './narrative';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a resource at `path` against a structure model (the base of its type, or a profile). */
export function walkResource(ctx: Context, resource: unknown, model: StructureModel, path: string): void {
  if (!isObject(resource)) {
    report(ctx, 'error', 'structure', `A resource must be a JSON object, not ${describe(resource)}`, path);
    return;
  }
  const saved = ctx.resource;
  const savedPath = ctx.resourcePath;
  ctx.resource = resource;
  ctx.resourcePath = path;
  walkObject(ctx, resource, model.root, { code: model.type, profiles: [] }, path, true);
  checkContainedReferenced(ctx, resource, path);
  ctx.resource = saved;
  ctx.resourcePath = savedPath;
}

function runInvariants(
  ctx: Context,
  invariants: Invariant[],
  node: unknown,
  path: string,
  done?: Set<string>,
): void {
  if (invariants.length === 0) return;
  let env = ctx.env;
  if (env?.resource !== ctx.resource || env.rootResource !== ctx.root)
    env = ctx.env = { resource: ctx.resource, rootResource: ctx.root };
  const last = (ctx.verdicts ??= new Map());
  for (const inv of invariants) {
    if (done) {
      if (done.has(inv.key)) continue;
      done.add(inv.key);
    }
    let ok: boolean;
    try {
      ok = holds(inv, node, env, last);
    } catch (e) {
      report(
        ctx,
        'information',
        'informational',
        `Invariant ${inv.key} could not be evaluated: ${(e as Error).message}`,
        path,
      );
      continue;
    }
    if (!ok)
      report(
        ctx,
        inv.severity,
        'invariant',
        `Constraint failed: ${inv.key}: '${inv.human}' (${inv.expression})`,
        path,
      );
  }
}

/** A property seen in an object: `slot << 8 | typeIndex << 2` plus VALUE and/or EXT (`valueX`, `_valueX`). */
const VALUE = 1;
const EXT = 2;
const slotOf = (hit: number): number => hit >> 8;
const keyOf = (shape: Shape, hit: number): JsonKey => shape.keys[hit >> 8]![(hit >> 2) & 63]!;

/** Walks a JSON object: unknown properties, cardinality, choices, then each child value; then the invariants. */
function walkObject(
  ctx: Context,
  obj: Json,
  def: ElementModel,
  type: TypeRef,
  path: string,
  isResource = false,
): void {
  const engine = ctx.engine;
  const layout = engine.layout(def, type);
  if (!layout) {
    report(ctx, 'error', 'not-supported', `No definition found for type ${type.code}`, path);
    return;
  }
  const shape = layout.shape;
  // The properties present, in the order first seen, at hits[base...]; their values are read again when walked.
  const hits = ctx.hits;
  const base = ctx.top;
  let n = 0;
  const primitiveHost = !isResource && engine.typeInfo(type).rule !== undefined;
  let count = 0;
  for (const key in obj) {
    if (isResource && key === 'resourceType') continue;
    count++;
    const primitiveExt = key.charCodeAt(0) === 95;
    const name = primitiveExt ? key.slice(1) : key;
    const jk = shape.byName.get(name);
    if (!jk || (name === 'value' && primitiveHost)) {
      const choice = wrongChoice(shape.choices, name);
      if (choice) {
        const allowed = choice.def.types.map((t) => t.code).join(', ');
        report(
          ctx,
          'error',
          'structure',
          `Type ${choice.type} is not allowed for ${choice.def.name}[x] here; allowed: ${allowed}`,
          `${path}.${choice.def.name}.ofType(${choice.type})`,
        );
      } else {
        report(ctx, 'error', 'structure', `Unknown element '${key}' in ${type.code}`, `${path}.${key}`);
      }
      continue;
    }
    if (primitiveExt && jk.extKey === undefined) {
      report(ctx, 'error', 'structure', `'${key}' is only allowed for primitive elements`, `${path}.${key}`);
      continue;
    }
    checkArray(ctx, obj[key], jk.def, path, key);
    const hit = (jk.slot << 8) | (jk.typeIndex << 2);
    const flag = primitiveExt ? EXT : VALUE;
    let j = base;
    while (j < base + n && (hits[j]! & ~3) !== hit) j++;
    if (j === base + n) {
      hits[j] = hit + flag;
      n++;
    } else hits[j] = hits[j]! | flag;
  }
  // ele-1 is a rule of elements: a resource may hold nothing but its resourceType (`{"resourceType":"Patient"}`).
  if (count === 0 && !isResource) {
    report(
      ctx,
      'error',
      'structure',
      'Empty objects are not allowed: an element must have a value or children (ele-1)',
      path,
    );
  }
  // Children in definition order, whatever the order of the properties (insertion sort: objects have few).
  const end = base + n;
  for (let i = base + 1; i < end; i++) {
    const h = hits[i]!;
    let j = i - 1;
    while (j >= base && slotOf(hits[j]!) > slotOf(h)) {
      hits[j + 1] = hits[j]!;
      j--;
    }
    hits[j + 1] = h;
  }
  // The children's objects record theirs after these.
  ctx.top = end;
  const required = shape.required;
  let r = 0;
  let h = base;
  while (r < required.length || h < end) {
    const present = h < end ? slotOf(hits[h]!) : Infinity;
    const needed = r < required.length ? required[r]! : Infinity;
    if (needed < present) {
      const child = shape.children[needed]!;
      report(
        ctx,
        'error',
        'required',
        `Missing required element '${child.name}${child.choice ? '[x]' : ''}' (minimum ${child.min})`,
        `${path}.${child.name}${child.choice ? '[x]' : ''}`,
      );
      r++;
      continue;
    }
    if (needed === present) r++;
    let g = h + 1;
    while (g < end && slotOf(hits[g]!) === present) g++;
    const child = shape.children[present]!;
    if (g - h > 1) {
      const keys = hits.slice(h, g).map((x) => keyOf(shape, x));
      report(
        ctx,
        'error',
        'structure',
        `Only one of ${keys.map((k) => k.key).join(', ')} is allowed (${child.name}[x] is a single choice)`,
        keys.map((k) => `${path}.${child.name}.ofType(${k.type?.code ?? ''})`),
      );
    }
    const first = hits[h]!;
    walkChild(ctx, obj, keyOf(shape, first), (first & VALUE) !== 0, (first & EXT) !== 0, path);
    h = g;
  }
  ctx.top = base;
  runInvariants(ctx, def.invariants, obj, path);
  const typeRoot = isResource ? undefined : layout.typeRoot;
  if (typeRoot && typeRoot !== def) runInvariants(ctx, typeRoot.invariants, obj, path);
}

/** A property that names a choice element with a type it does not allow (`valueString` where value[x] is Quantity). */
function wrongChoice(choices: ElementModel[], key: string): { def: ElementModel; type: string } | undefined {
  for (const def of choices) {
    if (!key.startsWith(def.name) || !/^[A-Z]/.test(key.slice(def.name.length))) continue;
    const t = key.slice(def.name.length);
    return {
      def,
      type: /^(Address|Age|Annotation|Attachment|CodeableConcept|Coding|ContactPoint|Count|Distance|Duration|HumanName|Identifier|Money|Period|Quantity|Range|Ratio|Reference|SampledData|Signature|Timing|ContactDetail|Contributor|DataRequirement|Expression|ParameterDefinition|RelatedArtifact|TriggerDefinition|UsageContext|Dosage|Meta)$/.test(
        t,
      )
        ? t
        : t[0]!.toLowerCase() + t.slice(1),
    };
  }
  return undefined;
}

/** The array-ness of a JSON value checked against the definition (at `path.key`). */
function checkArray(ctx: Context, value: unknown, def: ElementModel, path: string, key: string): void {
  if (Array.isArray(value)) {
    if (!def.array)
      report(
        ctx,
        'error',
        'structure',
        `'${def.name}' is a single element and must not be an array`,
        `${path}.${key}`,
      );
    if (value.length === 0)
      report(
        ctx,
        'error',
        'structure',
        'Empty arrays are not allowed: leave the element out',
        `${path}.${key}`,
      );
  } else if (def.array) {
    report(ctx, 'error', 'structure', `'${def.name}' repeats and must be a JSON array`, `${path}.${key}`);
  }
}

function walkChild(
  ctx: Context,
  parent: Json,
  jk: JsonKey,
  hasValue: boolean,
  hasExt: boolean,
  path: string,
): void {
  const def = jk.def;
  // One value or an array of them (the array-ness was checked with the property); no list is made for one value.
  const value = hasValue ? parent[jk.key] : undefined;
  const ext = hasExt ? parent[jk.extKey!] : undefined;
  const values = Array.isArray(value) ? (value as unknown[]) : undefined;
  const exts = Array.isArray(ext) ? (ext as unknown[]) : undefined;
  const n = Math.max(!hasValue ? 0 : values ? values.length : 1, !hasExt ? 0 : exts ? exts.length : 1);
  // Choices are located as FHIRPath does, `value.ofType(Quantity)`, as the HL7 validator reports them.
  if (n < def.min)
    report(
      ctx,
      'error',
      'required',
      `'${def.name}' needs at least ${def.min} item(s), found ${n}`,
      path + jk.suffix,
    );
  if (n > def.max) {
    const why = def.max === 0 ? 'is not allowed here' : `allows at most ${def.max} item(s), found ${n}`;
    report(ctx, 'error', 'structure', `'${def.name}' ${why} (${def.model.url})`, path + jk.suffix);
  }
  const defs =
    def.slicing && def.slices.length
      ? assignSlices(ctx, def, values ?? (hasValue ? [value] : []), path, jk.key)
      : undefined;
  const type = jk.type ?? ELEMENT;
  for (let i = 0; i < n; i++) {
    const d = defs?.[i] ?? def;
    const t = d === def ? type : (d.types.find((x) => x.code === type.code) ?? type);
    const v = values ? values[i] : i === 0 ? value : undefined;
    const e = exts ? exts[i] : i === 0 ? ext : undefined;
    walkValue(ctx, v, e, d, t, path, jk, def.array ? i : -1);
  }
  if (def.parentInvariants.length) runInvariants(ctx, def.parentInvariants, parent, path + jk.suffix);
}

const ELEMENT: TypeRef = { code: 'Element', profiles: [] };

/** The location of item `index` (-1: not an array) of a property of the object at `path`, built when needed. */
const locate = (path: string, suffix: string, index: number): string =>
  index < 0 ? path + suffix : path + indexed(suffix, index);

/** `.name[3]`: the suffixes of the first items of each element made once, so a location is one concatenation. */
const INDEXED = new Map<string, string[]>();
function indexed(suffix: string, index: number): string {
  if (index >= 100) return `${suffix}[${index}]`;
  let list = INDEXED.get(suffix);
  if (!list) INDEXED.set(suffix, (list = []));
  return (list[index] ??= `${suffix}[${index}]`);
}

function walkValue(
  ctx: Context,
  value: unknown,
  ext: unknown,
  def: ElementModel,
  type: TypeRef,
  parentPath: string,
  jk: JsonKey,
  index: number,
): void {
  const info = ctx.engine.typeInfo(type);
  const rule = info.rule;
  if (rule) {
    if (value === null || value === undefined) {
      if (ext === undefined || ext === null)
        report(
          ctx,
          'error',
          'structure',
          'null is not allowed: leave the element out',
          locate(parentPath, jk.suffix, index),
        );
    } else {
      const problem = primitiveProblem(value, type.code, rule);
      if (problem)
        report(
          ctx,
          'error',
          rule.json === typeof value ? 'value' : 'structure',
          problem,
          locate(parentPath, jk.suffix, index),
        );
      else {
        if (def.maxLength && typeof value === 'string' && value.length > def.maxLength) {
          report(
            ctx,
            'error',
            'value',
            `Longer than the maximum length ${def.maxLength}`,
            locate(parentPath, jk.suffix, index),
          );
        }
        if (def.fixed !== undefined || def.pattern !== undefined)
          checkFixedPattern(ctx, value, def, locate(parentPath, jk.suffix, index), type.code);
        // Narrative.div: txt-1 and txt-2 (the core expression htmlChecks() is evaluated here, see narrative.ts).
        if (type.code === 'xhtml' && typeof value === 'string')
          for (const p of narrativeProblems(value))
            report(ctx, 'error', 'invariant', `${p.key}: ${p.message}`, locate(parentPath, jk.suffix, index));
        // A primitive has no codings: only a required or extensible binding can say anything about it.
        const strength = def.binding?.strength;
        if (strength === 'required' || strength === 'extensible')
          checkBinding(ctx, value, def, type.code, locate(parentPath, jk.suffix, index));
      }
    }
    if (ext !== undefined && ext !== null) {
      // FHIRPath sees a primitive's extensions on the element itself: `Patient.birthDate.extension[0]`.
      const extPath = locate(parentPath, jk.extSuffix, index);
      if (!isObject(ext))
        report(
          ctx,
          'error',
          'structure',
          `Primitive extensions must be an object, not ${describe(ext)}`,
          extPath,
        );
      else walkObject(ctx, ext, def, type, extPath);
    }
    return;
  }
  const path = locate(parentPath, jk.suffix, index);
  if (!isObject(value)) {
    report(ctx, 'error', 'structure', `Expected a ${type.code} object, found ${describe(value)}`, path);
    return;
  }
  if (info.resource) {
    walkNested(ctx, value, path, index >= 0 && jk.def.name === 'contained');
    return;
  }
  if (type.code === 'Extension' && !def.children.size) {
    checkExtension(ctx, value, def, type, path, walkObject);
  } else {
    walkObject(ctx, value, def, type, path);
  }
  checkFixedPattern(ctx, value, def, path);
  checkBinding(ctx, value, def, type.code, path);
  if (type.code === 'Reference') {
    checkReference(ctx, value, type, path);
    checkLocalReference(ctx, value.reference, path);
  }
}

/** A resource inside another: contained, Bundle.entry.resource, Parameters.parameter.resource. */
function walkNested(ctx: Context, value: Json, path: string, contained: boolean): void {
  const rt = value.resourceType;
  if (typeof rt !== 'string' || !ctx.engine.isResourceType(rt)) {
    report(ctx, 'error', 'structure', `Unknown or missing resourceType ${JSON.stringify(rt)}`, path);
    return;
  }
  const model = ctx.engine.resourceModel(rt)!;
  const savedRoot = ctx.root;
  if (!contained) ctx.root = value;
  walkResource(ctx, value, model, path);
  ctx.conformsToClaims(value, path);
  ctx.root = savedRoot;
}

export { walkObject };
