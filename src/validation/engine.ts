// The compiled state shared by every validation: registry, terminology, primitive rules and element trees.
import type { Issue } from '../fhir/outcome';
import { Terminology } from '../fhir/terminology';
import type { Questionnaire, StructureDefinition } from 'fhir/r4';
import {
  compileStructure,
  type ElementModel,
  type Layout,
  type Shape,
  type StructureModel,
  type TypeInfo,
  type TypeRef,
} from './model';
import type { Invariant, Verdict } from './invariants';
import { primitiveRules, type PrimitiveRule } from './primitives';
import { byCanonical, type Registry } from './registry';
import { compileShape } from './shape';

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

export class Engine {
  readonly terminology: Terminology;
  readonly primitives: Map<string, PrimitiveRule>;
  private readonly models = new Map<string, StructureModel | undefined>();
  private readonly shapes = new WeakMap<Map<string, ElementModel>, Shape>();
  private readonly typeModels = new WeakMap<TypeRef, StructureModel | null>();
  /** The concrete resource types, and their base definitions (filled by compileAll). */
  private readonly concrete: Set<string>;
  private readonly resourceModels = new Map<string, StructureModel>();

  constructor(
    readonly reg: Registry,
    readonly resolveQuestionnaire: (canonical: string) => Questionnaire | undefined,
  ) {
    this.terminology = new Terminology({
      valueSet: (canonical) => byCanonical(reg.valueSets, canonical),
      codeSystem: (canonical) => byCanonical(reg.codeSystems, canonical),
    });
    this.concrete = new Set(
      [...reg.types].filter(([, sd]) => sd.kind === 'resource' && !sd.abstract).map(([type]) => type),
    );
    this.primitives = primitiveRules(reg);
  }

  /** The compiled model of a definition by canonical url (`url` or `url|version`); all are compiled at start. */
  model(url: string): StructureModel | undefined {
    return this.models.get(url) ?? this.models.get(url.split('|')[0] ?? url);
  }

  /** Compiles every StructureDefinition held (base types, core profiles and extensions, ours) and expands the
   *  ValueSets their required and extensible bindings name, so that no request pays for a first use. */
  compileAll(): { models: number; valueSets: number } {
    const compiled = new Map<StructureDefinition, StructureModel | undefined>();
    for (const [key, sd] of this.reg.structureDefinitions) {
      if (!compiled.has(sd))
        compiled.set(sd, sd.snapshot || sd.differential ? compileStructure(sd, this.reg) : undefined);
      this.models.set(key, compiled.get(sd));
    }
    const valueSets = new Set<string>();
    for (const model of compiled.values())
      for (const e of model?.byId.values() ?? [])
        if (e.binding?.valueSet && e.binding.strength !== 'example' && e.binding.strength !== 'preferred')
          valueSets.add(e.binding.valueSet);
    for (const vs of valueSets) this.terminology.expand(vs);
    for (const type of this.concrete) {
      const model = this.model(CORE + type);
      if (model) this.resourceModels.set(type, model);
    }
    return { models: [...compiled.values()].filter(Boolean).length, valueSets: valueSets.size };
  }

  /** The base definition of a type (`Patient`, `Quantity`). */
  typeModel(type: string): StructureModel | undefined {
    return this.reg.types.has(type) ? this.model(this.reg.types.get(type)!.url) : undefined;
  }

  isResourceType(type: string): boolean {
    return this.concrete.has(type);
  }

  /** The base definition of a concrete resource type (`Patient`), or undefined. */
  resourceModel(type: string): StructureModel | undefined {
    return this.resourceModels.get(type) ?? this.model(CORE + type);
  }

  /** Base types of a type, nearest first (`Age` -> Quantity, Element). */
  typeAncestors(type: string): string[] {
    const out: string[] = [];
    let sd = this.reg.types.get(type);
    while (sd?.baseDefinition) {
      sd = byCanonical(this.reg.structureDefinitions, sd.baseDefinition);
      if (!sd) break;
      out.push(sd.type);
    }
    return out;
  }

  isPrimitive(type: string): boolean {
    return this.primitives.has(type);
  }

  /** The model that describes the inside of a value of this type: its first profile, or the base type. */
  modelFor(t: TypeRef): StructureModel | undefined {
    // Type references of compiled models are shared by every value of an element: resolved once each.
    const known = this.typeModels.get(t);
    if (known !== undefined) return known ?? undefined;
    let found: StructureModel | undefined;
    for (const p of t.profiles) {
      found = this.model(p);
      if (found) break;
    }
    found ??= this.typeModel(t.code);
    this.typeModels.set(t, found ?? null);
    return found;
  }

  /** What a value of a type needs checked, kept on the type reference (shared by every value of an element). */
  typeInfo(t: TypeRef): TypeInfo {
    if (t.info) return t.info;
    const rule = this.primitives.get(t.code);
    return (t.info = { rule, resource: t.code === 'Resource' || this.isResourceType(t.code) });
  }

  /** The children of an object value of `def` typed `t`, and the root of its type (whose invariants also apply
   *  when `def` is not that root), or undefined when no definition describes its inside. */
  layout(def: ElementModel, t: TypeRef): Layout | undefined {
    if (def.children.size > 0)
      return (def.layout ??= { shape: this.shape(def.children), typeRoot: undefined });
    if (def.contentReference) {
      const children = def.model.byId.get(def.contentReference)?.children;
      return children && { shape: this.shape(children), typeRoot: this.modelFor(t)?.root };
    }
    if (t.layout !== undefined) return t.layout ?? undefined;
    const root = this.modelFor(t)?.root;
    t.layout = root ? { shape: this.shape(root.children), typeRoot: root } : null;
    return t.layout ?? undefined;
  }

  /** The JSON layout of a set of children (`valueQuantity` for `value[x]`), computed once per set. */
  shape(children: Map<string, ElementModel>): Shape {
    let shape = this.shapes.get(children);
    if (!shape) this.shapes.set(children, (shape = compileShape(children, (c) => this.isPrimitive(c))));
    return shape;
  }
}

/** The state of one validation call. */
export interface Context {
  engine: Engine;
  issues: Issue[];
  seen: Set<string>;
  /** The resource being walked, and the one that contains it (for %resource and %rootResource). */
  resource: Record<string, unknown>;
  root: Record<string, unknown>;
  /** Where the current resource starts in the location paths (`Bundle.entry[2].resource`). */
  resourcePath: string;
  /** The properties seen in the objects being walked, each object's after its parent's from `top` on (one list
   *  for the whole walk instead of one per object). */
  hits: number[];
  top: number;
  /** The `%resource` and `%rootResource` of the invariants, kept while both stay the same. */
  env?: { resource: Record<string, unknown>; rootResource: Record<string, unknown> };
  /** The invariants' last verdicts in this validation (holds). */
  verdicts?: Map<Invariant, Verdict>;
  /** Whether a value conforms to a profile (no error issues), for profile discriminators. */
  conformsTo(value: unknown, profile: string): boolean;
  /** Validates a resource against the profiles it claims (and extra ones), and runs the per-type checks. */
  conformsToClaims(resource: Record<string, unknown>, path: string, extra?: string[]): void;
}

export function report(
  ctx: Context,
  severity: Issue['severity'],
  code: Issue['code'],
  diagnostics: string,
  expression: string | string[],
): void {
  const expressions = typeof expression === 'string' ? [expression] : expression;
  const key = `${severity}|${expressions[0] ?? ''}|${diagnostics}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.add(key);
  ctx.issues.push({ severity, code, diagnostics, expression: expressions });
}
