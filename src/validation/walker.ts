// The instance walker: every property of a resource checked against its element tree (validation.html#structure).
import { checkBinding, checkFixedPattern, checkReference } from './checks';
import { CORE, report, type Context, type JsonKey } from './engine';
import { holds, type Invariant } from './invariants';
import type { ElementModel, StructureModel, TypeRef } from './model';
import { describe, primitiveProblem } from './primitives';
import { assignSlices } from './slicing';
import { checkExtension } from './extensions';
import { checkContainedReferenced, checkLocalReference } from './native';

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
  const env = { resource: ctx.resource, rootResource: ctx.root };
  for (const inv of invariants) {
    if (done) {
      if (done.has(inv.key)) continue;
      done.add(inv.key);
    }
    let ok: boolean;
    try {
      ok = holds(inv, node, env);
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

interface Occurrence {
  key: string;
  type: TypeRef | undefined;
  values: unknown[];
  exts: unknown[];
}

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
  const children = engine.childrenOf(def, type);
  if (!children) {
    report(ctx, 'error', 'not-supported', `No definition found for type ${type.code}`, path);
    return;
  }
  const keys = engine.jsonKeys(children);
  const found = new Map<ElementModel, Occurrence[]>();
  let count = 0;
  for (const key in obj) {
    if (isResource && key === 'resourceType') continue;
    count++;
    const primitiveExt = key.charCodeAt(0) === 95;
    const name = primitiveExt ? key.slice(1) : key;
    const jk: JsonKey | undefined = keys.get(name);
    if (!jk || (name === 'value' && !isResource && engine.isPrimitive(type.code))) {
      const choice = wrongChoice(children, name);
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
    if (primitiveExt && !engine.isPrimitive(jk.type?.code ?? '')) {
      report(ctx, 'error', 'structure', `'${key}' is only allowed for primitive elements`, `${path}.${key}`);
      continue;
    }
    let list = found.get(jk.def);
    if (!list) found.set(jk.def, (list = []));
    let occ = list.find((o) => o.key === name);
    if (!occ) list.push((occ = { key: name, type: jk.type, values: [], exts: [] }));
    const value = obj[key];
    if (primitiveExt) occ.exts = arrayOf(ctx, value, jk.def, path, key);
    else occ.values = arrayOf(ctx, value, jk.def, path, key);
  }
  if (count === 0) {
    report(
      ctx,
      'error',
      'structure',
      'Empty objects are not allowed: an element must have a value or children (ele-1)',
      path,
    );
  }
  for (const child of children.values()) {
    const occs = found.get(child);
    if (!occs) {
      if (child.min > 0) {
        report(
          ctx,
          'error',
          'required',
          `Missing required element '${child.name}${child.choice ? '[x]' : ''}' (minimum ${child.min})`,
          `${path}.${child.name}${child.choice ? '[x]' : ''}`,
        );
      }
      continue;
    }
    if (occs.length > 1) {
      report(
        ctx,
        'error',
        'structure',
        `Only one of ${occs.map((o) => o.key).join(', ')} is allowed (${child.name}[x] is a single choice)`,
        [path, `${path}.${child.name}.ofType(${occs[1]!.type?.code ?? ''})`],
      );
    }
    walkChild(ctx, obj, child, occs[0]!, path);
  }
  runInvariants(ctx, def.invariants, obj, path);
  const typeModel = isResource || def.children.size > 0 ? undefined : engine.modelFor(type);
  if (typeModel && typeModel.root !== def) runInvariants(ctx, typeModel.root.invariants, obj, path);
}

/** A property that names a choice element with a type it does not allow (`valueString` where value[x] is Quantity). */
function wrongChoice(
  children: Map<string, ElementModel>,
  key: string,
): { def: ElementModel; type: string } | undefined {
  for (const def of children.values()) {
    if (!def.choice || !key.startsWith(def.name) || !/^[A-Z]/.test(key.slice(def.name.length))) continue;
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

/** The JSON value as a list of items, with the array-ness checked against the definition (at `path.key`). */
function arrayOf(ctx: Context, value: unknown, def: ElementModel, path: string, key: string): unknown[] {
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
    return value;
  }
  if (def.array)
    report(ctx, 'error', 'structure', `'${def.name}' repeats and must be a JSON array`, `${path}.${key}`);
  return [value];
}

function walkChild(ctx: Context, parent: Json, def: ElementModel, occ: Occurrence, path: string): void {
  const n = Math.max(occ.values.length, occ.exts.length);
  // Choices are located as FHIRPath does, `value.ofType(Quantity)`, as the HL7 validator reports them.
  const base = def.choice ? `${path}.${def.name}.ofType(${occ.type?.code ?? ''})` : `${path}.${occ.key}`;
  if (n < def.min)
    report(ctx, 'error', 'required', `'${def.name}' needs at least ${def.min} item(s), found ${n}`, base);
  if (n > def.max) {
    const why = def.max === 0 ? 'is not allowed here' : `allows at most ${def.max} item(s), found ${n}`;
    report(ctx, 'error', 'structure', `'${def.name}' ${why} (${def.model.url})`, base);
  }
  const defs =
    def.slicing && def.slices.length ? assignSlices(ctx, def, occ.values, path, occ.key) : undefined;
  const type = occ.type ?? { code: 'Element', profiles: [] };
  for (let i = 0; i < n; i++) {
    const at = def.array ? `${base}[${i}]` : base;
    const d = defs?.[i] ?? def;
    const t = d === def ? type : (d.types.find((x) => x.code === type.code) ?? type);
    walkValue(ctx, occ.values[i], occ.exts[i], d, t, at);
  }
  if (def.parentInvariants.length) runInvariants(ctx, def.parentInvariants, parent, base);
}

function walkValue(
  ctx: Context,
  value: unknown,
  ext: unknown,
  def: ElementModel,
  type: TypeRef,
  path: string,
): void {
  const engine = ctx.engine;
  const rule = engine.primitives.get(type.code);
  if (rule) {
    if (value === null || value === undefined) {
      if (ext === undefined || ext === null)
        report(ctx, 'error', 'structure', 'null is not allowed: leave the element out', path);
    } else {
      const problem = primitiveProblem(value, type.code, rule);
      if (problem) report(ctx, 'error', rule.json === typeof value ? 'value' : 'structure', problem, path);
      else {
        if (def.maxLength && typeof value === 'string' && value.length > def.maxLength) {
          report(ctx, 'error', 'value', `Longer than the maximum length ${def.maxLength}`, path);
        }
        checkFixedPattern(ctx, value, def, path, type.code);
        checkBinding(ctx, value, def, type.code, path);
      }
    }
    if (ext !== undefined && ext !== null) {
      // FHIRPath sees a primitive's extensions on the element itself: `Patient.birthDate.extension[0]`.
      const extPath = path.replace(/\.ofType\([^)]*\)$/, '');
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
  if (!isObject(value)) {
    report(ctx, 'error', 'structure', `Expected a ${type.code} object, found ${describe(value)}`, path);
    return;
  }
  if (type.code === 'Resource' || engine.isResourceType(type.code)) {
    walkNested(ctx, value, path);
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
function walkNested(ctx: Context, value: Json, path: string): void {
  const rt = value.resourceType;
  if (typeof rt !== 'string' || !ctx.engine.isResourceType(rt)) {
    report(ctx, 'error', 'structure', `Unknown or missing resourceType ${JSON.stringify(rt)}`, path);
    return;
  }
  const model = ctx.engine.model(CORE + rt)!;
  const contained = /\.contained\[\d+\]$/.test(path);
  const savedRoot = ctx.root;
  if (!contained) ctx.root = value;
  walkResource(ctx, value, model, path);
  ctx.conformsToClaims(value, path);
  ctx.root = savedRoot;
}

export { walkObject };
