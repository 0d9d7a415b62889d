// Vital signs with the core vital-signs profiles (observation-vitalsigns.html): UCUM units, °F/lb/in converted,
// the original value kept in the originalText extension of valueQuantity, BMI derived from weight and height.
import type { Observation, Quantity, Reference } from 'fhir/r4';
import type { EpisodeScope, MappingContext } from './context';
import { codeable, observation, ucumQuantity } from './observation-base';
import type { QuantityRule } from './rules';
import { convertUnit } from '../fhir/ucum';
import { round, ucum } from './terminology';

interface Measured {
  ref: Reference;
  value: number;
}

/** The value of `path` ({value, unit}) in the rule's UCUM unit, or undefined with a report entry. */
function quantityIn(
  ctx: MappingContext,
  path: string,
  rule: QuantityRule,
): { quantity: Quantity; value: number } | undefined {
  const value = ctx.src.number(`${path}.value`);
  const label = ctx.src.string(`${path}.unit`);
  if (value === undefined || label === undefined) return undefined;
  const from = ucum(ctx.rules, label);
  const converted = from === undefined ? undefined : convertUnit(value, from, rule.unit);
  if (converted === undefined) {
    ctx.warn(`unit '${label}' cannot be converted to ${rule.unit}; observation not produced`, `${path}.unit`);
    ctx.src.explain(path, `unit '${label}' not convertible to ${rule.unit}`);
    return undefined;
  }
  const quantity = ucumQuantity(round(converted, rule.decimals), rule.unit);
  if (from !== rule.unit) {
    // Only Quantity's originalText extension can carry the value as recorded; valueQuantity holds the UCUM one.
    quantity.extension = [
      { url: ctx.rules.common.extensions.originalText, valueString: `${value} ${label}` },
    ];
  }
  return { quantity, value: quantity.value ?? converted };
}

function vital(
  ctx: MappingContext,
  ep: EpisodeScope,
  rule: QuantityRule,
  quantity: Quantity,
  derivedFrom?: Reference[],
): Reference {
  const vs = ctx.rules.observations.vitalSigns;
  return ctx.addItem(ep, rule.item, (identifier) => {
    const obs: Observation = observation(ctx, ep, identifier, {
      profile: rule.profile,
      category: [vs.category],
      code: codeable(rule.code),
    });
    obs.valueQuantity = quantity;
    if (derivedFrom) obs.derivedFrom = derivedFrom;
    return obs;
  });
}

export function mapVitals(ctx: MappingContext, ep: EpisodeScope): void {
  const base = `${ep.path}.vitals`;
  if (!ctx.src.has(base)) return;
  const vs = ctx.rules.observations.vitalSigns;
  const measured = new Map<string, Measured>();
  for (const rule of vs.items) {
    const q = quantityIn(ctx, `${base}.${rule.from}`, rule);
    if (q) measured.set(rule.item, { ref: vital(ctx, ep, rule, q.quantity), value: q.value });
  }
  mapBmi(ctx, ep, `${base}.${vs.bmi.from}`, measured);
  mapBloodPressure(ctx, ep, `${base}.${vs.bloodPressure.from}`);
}

/** BMI as recorded when the export has it, else derived from weight (kg) and height (cm); derivedFrom both. */
function mapBmi(ctx: MappingContext, ep: EpisodeScope, path: string, measured: Map<string, Measured>): void {
  const rule = ctx.rules.observations.vitalSigns.bmi;
  const weight = measured.get(rule.weightItem);
  const height = measured.get(rule.heightItem);
  const derivedFrom = weight && height ? [weight.ref, height.ref] : undefined;
  const recorded = quantityIn(ctx, path, rule);
  if (recorded) {
    vital(ctx, ep, rule, recorded.quantity, derivedFrom);
    return;
  }
  if (!weight || !height || height.value <= 0) return;
  const bmi = weight.value / (height.value / 100) ** 2;
  vital(ctx, ep, rule, ucumQuantity(round(bmi, rule.decimals), rule.unit), derivedFrom);
}

function mapBloodPressure(ctx: MappingContext, ep: EpisodeScope, path: string): void {
  const rule = ctx.rules.observations.vitalSigns.bloodPressure;
  const systolic = ctx.src.number(`${path}.systolic`);
  const diastolic = ctx.src.number(`${path}.diastolic`);
  if (systolic === undefined || diastolic === undefined) return;
  const label = ctx.src.string(`${path}.unit`);
  if (label !== undefined && ucum(ctx.rules, label) !== rule.unit) {
    ctx.warn(`blood pressure unit '${label}' is not ${rule.unit}; observation not produced`, `${path}.unit`);
    ctx.src.explain(path, `unit '${label}' is not mm[Hg]`);
    return;
  }
  const vs = ctx.rules.observations.vitalSigns;
  ctx.addItem(ep, rule.item, (identifier) => {
    const obs = observation(ctx, ep, identifier, {
      profile: rule.profile,
      category: [vs.category],
      code: codeable(rule.code),
    });
    obs.component = [
      { code: codeable(rule.systolic), valueQuantity: ucumQuantity(systolic, rule.unit) },
      { code: codeable(rule.diastolic), valueQuantity: ucumQuantity(diastolic, rule.unit) },
    ];
    return obs;
  });
}
