// Slicing: items of a sliced element matched to slices by their discriminators (profiling.html#slicing).
import type { ElementDefinitionSlicingDiscriminator } from 'fhir/r4';
import { deepEqual, matchesPattern } from './checks';
import { report, type Context } from './engine';
import type { ElementModel } from './model';

/** One step of a discriminator path: an element name, or `extension('url')` (the extension with that url). */
interface Step {
  name: string;
  url?: string;
}

/** Discriminator paths split into steps once (`code.coding.system`, `extension('x').value`); `$this` has none. */
const STEPS = new Map<string, Step[]>();
function stepsOf(path: string): Step[] {
  let steps = STEPS.get(path);
  if (steps) return steps;
  steps =
    path === '$this'
      ? []
      : path.split('.').map((seg) => {
          const ext = /^extension\('(.+)'\)$/.exec(seg);
          return ext ? { name: 'extension', url: ext[1]! } : { name: seg };
        });
  STEPS.set(path, steps);
  return steps;
}

/** Values reached by a discriminator path from an item (`url`, `code.coding.system`, `$this`, `extension('x')`). */
function follow(item: unknown, path: string): unknown[] {
  let values: unknown[] = [item];
  for (const step of stepsOf(path)) {
    const next: unknown[] = [];
    for (const v of values) {
      if (typeof v !== 'object' || v === null) continue;
      const o = v as Record<string, unknown>;
      if (step.url !== undefined) {
        for (const e of (o.extension as unknown[] | undefined) ?? [])
          if ((e as { url?: unknown }).url === step.url) next.push(e);
        continue;
      }
      const x = o[step.name];
      if (Array.isArray(x)) next.push(...(x as unknown[]));
      else if (x !== undefined) next.push(x);
    }
    values = next;
  }
  return values;
}

/** The targets of each discriminator path from each slice, found once: they depend on the definitions only. */
const TARGETS = new WeakMap<ElementModel, Map<string, ElementModel[]>>();

/**
 * The element definitions a discriminator path reaches inside a slice (looking into type profiles too). A step through
 * a sliced element also reaches its slices: `code.coding.code` of the bp profile's SystolicBP finds its fixed code in
 * the slice `coding:SBPCode`, not in the base `coding`.
 */
function targets(ctx: Context, slice: ElementModel, path: string): ElementModel[] {
  let byPath = TARGETS.get(slice);
  if (!byPath) TARGETS.set(slice, (byPath = new Map<string, ElementModel[]>()));
  const known = byPath.get(path);
  if (known) return known;
  let defs: ElementModel[] = [slice];
  for (const { name } of stepsOf(path)) {
    const next: ElementModel[] = [];
    for (const def of defs) {
      let child: ElementModel | undefined = def.children.get(name);
      if (!child) {
        for (const t of def.types) {
          for (const p of t.profiles) child ??= ctx.engine.model(p)?.root.children.get(name);
        }
      }
      if (child) next.push(child, ...child.slices);
    }
    defs = next;
  }
  byPath.set(path, defs);
  return defs;
}

function matches(
  ctx: Context,
  item: unknown,
  slice: ElementModel,
  d: ElementDefinitionSlicingDiscriminator,
): boolean {
  const values = follow(item, d.path);
  const all = targets(ctx, slice, d.path);
  const def = all[0];
  switch (d.type) {
    case 'value':
    case 'pattern': {
      const fixed = all.find((t) => t.fixed !== undefined || t.pattern !== undefined);
      if (!fixed) return false;
      if (fixed.fixed !== undefined) return values.some((v) => deepEqual(v, fixed.fixed));
      return values.some((v) => matchesPattern(v, fixed.pattern));
    }
    case 'exists':
      return def ? (def.min > 0 ? values.length > 0 : def.max === 0 ? values.length === 0 : true) : false;
    case 'type': {
      const types = def?.types.map((t) => t.code) ?? [];
      return values.some((v) => {
        const rt = (v as { resourceType?: unknown } | null)?.resourceType;
        if (typeof rt === 'string') return types.includes(rt) || types.includes('Resource');
        return types.length === 1;
      });
    }
    case 'profile': {
      const profiles = def?.types.flatMap((t) => t.profiles) ?? [];
      return profiles.length > 0 && values.some((v) => profiles.some((p) => ctx.conformsTo(v, p)));
    }
    default:
      return false;
  }
}

/** Which slice each item belongs to (or the sliced element itself), with the slicing rules reported. */
export function assignSlices(
  ctx: Context,
  def: ElementModel,
  items: unknown[],
  path: string,
  key: string,
): ElementModel[] {
  const slicing = def.slicing!;
  const discriminators = slicing.discriminator ?? [];
  const counts = new Map<ElementModel, number>();
  let lastSlice = -1;
  let unmatchedSeen = false;
  const result = items.map((item, i) => {
    const index = discriminators.length
      ? def.slices.findIndex((s) => discriminators.every((d) => matches(ctx, item, s, d)))
      : -1;
    const at = def.array ? `${path}.${key}[${i}]` : `${path}.${key}`; // sliced elements are never choices
    if (index < 0) {
      if (slicing.rules === 'closed') {
        report(
          ctx,
          'error',
          'structure',
          `This element matches none of the slices of ${def.id}, and the slicing is closed`,
          at,
        );
      }
      unmatchedSeen = true;
      return def;
    }
    if (slicing.rules === 'openAtEnd' && unmatchedSeen) {
      report(
        ctx,
        'error',
        'structure',
        `Slice ${def.slices[index]!.sliceName ?? ''} comes after an item that matches no slice (open at end)`,
        at,
      );
    }
    if (slicing.ordered && index < lastSlice) {
      report(
        ctx,
        'error',
        'structure',
        `Slices of ${def.id} are ordered: slice ${def.slices[index]!.sliceName ?? ''} is out of order`,
        at,
      );
    }
    lastSlice = Math.max(lastSlice, index);
    const slice = def.slices[index]!;
    counts.set(slice, (counts.get(slice) ?? 0) + 1);
    return slice;
  });
  for (const slice of def.slices) {
    const n = counts.get(slice) ?? 0;
    if (n < slice.min) {
      report(
        ctx,
        'error',
        'required',
        `Slice '${slice.sliceName ?? ''}' of ${def.path} needs at least ${slice.min} item(s), found ${n} (${def.model.url})`,
        [`${path}.${key}`, path],
      );
    }
    if (n > slice.max) {
      report(
        ctx,
        'error',
        'structure',
        `Slice '${slice.sliceName ?? ''}' of ${def.path} allows at most ${slice.max} item(s), found ${n} (${def.model.url})`,
        `${path}.${key}`,
      );
    }
  }
  return result;
}
