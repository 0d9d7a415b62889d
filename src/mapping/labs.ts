// Laboratory results as Observations (observation.html): the LOINC code is the one of the lab-test ConceptMap whose
// property (mass or substance concentration, fraction, presence) the result's unit measures, never guessed.
import type { CodeableConcept, Coding } from 'fhir/r4';
import { unitProperty } from '../fhir/ucum';
import { dataAbsentReason } from './clinical';
import { itemKey, type EpisodeScope, type MappingContext } from './context';
import { codeable, observation, ucumQuantity } from './observation-base';
import { targets, ucum } from './terminology';

const LOINC = 'http://loinc.org';
/** The LOINC CodeSystem's property "PROPERTY" (MCnc, SCnc, PrThr, ...), which the ConceptMap targets dependsOn. */
const PROPERTY = 'http://loinc.org/property/PROPERTY';

/** A unit fits a target of its own property; a fraction of no stated kind (%) fits any fraction. */
function fits(target: string | undefined, unit: string | undefined): boolean {
  if (target === undefined || unit === undefined) return false;
  return target === unit || (unit === 'Fr' && target.endsWith('Fr'));
}

/**
 * The test's code: `code.text` as recorded, with the LOINC coding whose property the quantity's unit measures (or,
 * for a result without a quantity, the test's only coding). Anything less certain keeps `code.text` only, and the
 * report says why at the record field that decided it.
 */
function labCode(
  ctx: MappingContext,
  path: string,
  test: string,
  quantity: { unit?: string; ucum?: string } | undefined,
): CodeableConcept {
  const text = { text: test };
  const known = targets(ctx.rules, ctx.rules.observations.labs.conceptMap, LOINC, test).flatMap((t) =>
    t.coding ? [{ coding: t.coding, property: t.dependsOn[PROPERTY] }] : [],
  );
  const codes = known.map((k) => `${k.coding.code} (${k.property ?? 'no property'})`).join(', ');
  const withCoding = (c: Coding): CodeableConcept => ({ coding: [{ ...c }], text: test });
  if (known.length === 0) {
    ctx.warn(`lab test '${test}' has no LOINC mapping; code.text only`, `${path}.test`);
    return text;
  }
  if (quantity === undefined) {
    const only = known.length === 1 ? known[0] : undefined;
    if (only) return withCoding(only.coding);
    ctx.warn(
      `lab test '${test}' has a code per unit (${codes}) and no value in a unit; code.text only`,
      `${path}.test`,
    );
    return text;
  }
  const property = quantity.ucum === undefined ? undefined : unitProperty(quantity.ucum);
  const fit = known.find((k) => fits(k.property, property));
  if (fit) return withCoding(fit.coding);
  const unit =
    quantity.unit === undefined
      ? 'a value without a unit'
      : `unit '${quantity.unit}' (${property ?? 'of no known property'})`;
  ctx.warn(
    `lab test '${test}' in ${unit} fits none of its LOINC codes (${codes}); code.text only`,
    `${path}.unit`,
  );
  return text;
}

export function mapLabs(ctx: MappingContext, ep: EpisodeScope): void {
  const rule = ctx.rules.observations.labs;
  for (const path of ctx.src.elements(`${ep.path}.labs`)) {
    const test = ctx.src.string(`${path}.test`) ?? '';
    const result = ctx.src.string(`${path}.result`);
    const value = ctx.src.number(`${path}.value`);
    const unit = ctx.src.string(`${path}.unit`);
    const date = ctx.src.string(`${path}.date`);
    const note = ctx.src.string(`${path}.note`);
    const ucumCode = unit === undefined ? undefined : ucum(ctx.rules, unit);
    if (value !== undefined && unit !== undefined && !ucumCode) {
      ctx.warn(`unit '${unit}' is not in the UCUM ConceptMap`, `${path}.unit`);
    }
    const code = labCode(ctx, path, test, value === undefined ? undefined : { unit, ucum: ucumCode });
    ctx.addItem(ep, `${rule.item}/${itemKey(ctx.src, path)}`, (identifier) => {
      const obs = observation(ctx, ep, identifier, { category: [rule.category], code, effective: date });
      const coded = result === undefined ? undefined : rule.results[result];
      if (value !== undefined) {
        if (ucumCode) obs.valueQuantity = ucumQuantity(value, ucumCode);
        else obs.valueQuantity = unit === undefined ? { value } : { value, unit };
      } else if (coded?.value) obs.valueCodeableConcept = { coding: [{ ...coded.value }], text: result };
      else if (coded?.text) obs.valueCodeableConcept = { text: coded.text };
      if (coded?.absent) obs.dataAbsentReason = dataAbsentReason(coded.absent);
      if (coded?.interpretation) obs.interpretation = [codeable(coded.interpretation)];
      if (note !== undefined) obs.note = [{ text: note }];
      // ephr-lab-result needs a LOINC code and UCUM quantities; a result without them stays a base Observation.
      const loinc = code.coding?.some((c) => c.system === LOINC) === true;
      const ucumOk = obs.valueQuantity === undefined || obs.valueQuantity.system !== undefined;
      if (loinc && ucumOk) obs.meta = ctx.meta(rule.profile);
      return obs.meta ? { ...obs, meta: obs.meta } : obs;
    });
  }
}
