// Applies declarative field rules (mappings/rules/patient.json, encounter.json) to build one resource.
import type { Coding } from 'fhir/r4';
import type { MappingContext } from './context';
import { ensurePath, setPath } from './paths';
import type { FieldRule } from './rules';
import { joinPath } from './source';
import { concept, translate } from './terminology';

type Obj = Record<string, unknown>;

function valueMap(ctx: MappingContext, map: string, value: unknown): unknown {
  const table = ctx.rules.valueMaps[map];
  if (!table) throw new Error(`value map '${map}' not found in mappings/rules/value-maps.json`);
  return typeof value === 'string' || typeof value === 'number' ? table[String(value)] : undefined;
}

/** Transforms a source value by the rule's `as`; `undefined` means "nothing to write". */
function transform(ctx: MappingContext, rule: FieldRule, value: unknown, path: string): unknown {
  const as = rule.as;
  if (as === undefined) return value;
  if (as === 'fixed') return rule.value;
  if (as === 'ephrIdentifier') return { system: ctx.rules.common.identifierSystems.ephrId, value };
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const label = String(value);
  if (as === 'country' || as === 'language') {
    const cc = concept(ctx.rules, as, label);
    if (!cc.coding)
      ctx.warn(`'${label}' is not in the ${as} ConceptMap; kept as text only`, path, 'code-invalid');
    return cc;
  }
  if (as === 'countryCode') {
    const code = translate(ctx.rules, 'country', label)[0]?.code;
    if (!code) ctx.warn(`'${label}' is not in the country ConceptMap; kept as written`, path, 'code-invalid');
    return code ?? label;
  }
  const [kind, map] = as.split(':');
  if (!map) throw new Error(`unknown transform '${as}'`);
  const mapped = valueMap(ctx, map, value);
  if (mapped === undefined) {
    ctx.warn(`'${label}' has no entry in value map '${map}'`, path, 'code-invalid');
    return undefined;
  }
  if (mapped === null) return undefined;
  switch (kind) {
    case 'code':
    case 'text':
      return mapped;
    case 'coding': {
      const { text: _t, ...coding } = mapped as Coding & { text?: string };
      return coding;
    }
    case 'codeableConcept': {
      const { text, ...coding } = mapped as Coding & { text?: string };
      // An entry without a code (a status no code system has) keeps only the text.
      return coding.code === undefined ? { text: text ?? label } : { coding: [coding], text: text ?? label };
    }
    default:
      throw new Error(`unknown transform '${as}'`);
  }
}

/** `_birthDate` for `birthDate`: where FHIR puts extensions of a primitive. */
function primitiveSibling(to: string): string {
  const segs = to.split('.');
  const last = segs.pop() ?? '';
  return [...segs, `_${last}`].join('.');
}

export function applyRules(ctx: MappingContext, target: Obj, rules: FieldRule[], base: string): void {
  for (const rule of rules) {
    if (rule.each !== undefined) {
      applyEach(ctx, target, rule, joinPath(base, rule.each));
      continue;
    }
    const path = joinPath(base, rule.from ?? '');
    const raw = ctx.src.get(path);
    if (raw === undefined) {
      if (rule.absentValue !== undefined) setPath(target, rule.to, rule.absentValue);
      else if (rule.absent && rule.absentOn === 'element')
        setPath(target, rule.to, ctx.dataAbsent(rule.absent));
      else if (rule.absent) setPath(target, primitiveSibling(rule.to), ctx.dataAbsent(rule.absent));
      continue;
    }
    const value = transform(ctx, rule, raw, path);
    if (value !== undefined) setPath(target, rule.to, value);
  }
}

/** An `each` rule: one new target element per source element (or for a single present value). */
function applyEach(ctx: MappingContext, target: Obj, rule: FieldRule, path: string): void {
  const v = ctx.src.peek(path);
  if (v === undefined) return;
  const paths = Array.isArray(v) ? ctx.src.elements(path) : [path];
  for (const p of paths) {
    const item = ctx.src.peek(p);
    if (rule.skip?.includes(item)) {
      ctx.src.get(p);
      continue;
    }
    const element = ensurePath(target, rule.to);
    if (rule.set) Object.assign(element, structuredClone(rule.set));
    applyRules(ctx, element, rule.rules ?? [], p);
  }
}
