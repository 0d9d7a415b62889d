// Examination findings, TB symptom screen, PHQ-9 / GAD-7 and pregnancy as Observations
// (observation.html).
import type { Coding, Observation, Reference } from 'fhir/r4';
import { itemKey, type EpisodeScope, type MappingContext } from './context';
import { codeable, observation, ucumQuantity } from './observation-base';
import type { InstrumentRule } from './rules';

export function mapExamination(ctx: MappingContext, ep: EpisodeScope): void {
  const rule = ctx.rules.observations.examination;
  for (const path of ctx.src.elements(`${ep.path}.examination`)) {
    const system = ctx.src.string(`${path}.system`) ?? '';
    const finding = ctx.src.string(`${path}.finding`) ?? '';
    const abnormal = ctx.src.boolean(`${path}.abnormal`);
    ctx.addItem(ep, `${rule.item}/${itemKey(ctx.src, path)}`, (identifier) => {
      const obs = observation(ctx, ep, identifier, {
        category: [rule.category],
        code: { text: `Examination: ${system}` },
      });
      obs.valueString = finding;
      if (abnormal !== undefined) obs.interpretation = [codeable(abnormal ? rule.abnormal : rule.normal)];
      return obs;
    });
  }
}

export function dataAbsentReason(code: string): Observation['dataAbsentReason'] {
  return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code }] };
}

export function mapTbSymptomScreen(ctx: MappingContext, ep: EpisodeScope): void {
  const rule = ctx.rules.observations.tbSymptomScreen;
  const result = ctx.src.string(`${ep.path}.tbSymptomScreen`);
  if (result === undefined) return;
  ctx.addItem(ep, rule.item, (identifier) => {
    const obs = observation(ctx, ep, identifier, {
      profile: rule.profile,
      category: rule.category,
      code: rule.code,
    });
    const v = rule.values[result];
    if (v?.absent) obs.dataAbsentReason = dataAbsentReason(v.absent);
    else if (v) obs.valueCodeableConcept = { coding: [{ ...v }], text: result };
    return obs;
  });
}

/** PHQ-9 / GAD-7: one Observation per answered item and the total, which is derivedFrom the items. */
function mapInstrument(ctx: MappingContext, ep: EpisodeScope, path: string, rule: InstrumentRule): void {
  if (!ctx.src.has(path)) return;
  const common = ctx.rules.observations.instruments;
  const answers = ctx.src.get(`${path}.answers`);
  const items: Reference[] = [];
  let sum = 0;
  if (Array.isArray(answers)) {
    if (answers.length !== rule.items.length) {
      ctx.warn(`${rule.items.length} answers expected, ${answers.length} recorded`, `${path}.answers`);
    }
    answers.forEach((a, i) => {
      const code = rule.items[i];
      const answer = typeof a === 'number' ? common.answers[a] : undefined;
      if (!code || !answer) return;
      sum += a as number;
      items.push(
        ctx.addItem(ep, `${rule.item}/${code.code ?? i}`, (identifier) => {
          const obs = observation(ctx, ep, identifier, {
            profile: rule.profile,
            category: common.category,
            code: codeable(code),
          });
          obs.valueCodeableConcept = codeable(answer);
          return obs;
        }),
      );
    });
  }
  const recorded = ctx.src.number(`${path}.total`);
  const complete = Array.isArray(answers) && items.length === rule.items.length;
  if (recorded !== undefined && complete && recorded !== sum) {
    ctx.warn(
      `recorded total ${recorded} differs from the sum of the answers (${sum}); the recorded total is kept`,
      `${path}.total`,
    );
  }
  const total = recorded ?? (complete ? sum : undefined);
  if (total === undefined) return;
  ctx.addItem(ep, `${rule.item}/total`, (identifier) => {
    const obs = observation(ctx, ep, identifier, {
      profile: rule.profile,
      category: common.category,
      code: codeable(rule.total),
    });
    obs.valueQuantity = ucumQuantity(total, '{score}');
    if (items.length > 0) obs.derivedFrom = items;
    return obs;
  });
}

export function mapMentalHealth(ctx: MappingContext, ep: EpisodeScope): void {
  const r = ctx.rules.observations.instruments;
  mapInstrument(ctx, ep, `${ep.path}.mentalHealth.phq9`, r.phq9);
  mapInstrument(ctx, ep, `${ep.path}.mentalHealth.gad7`, r.gad7);
}

export function mapPregnancy(ctx: MappingContext, ep: EpisodeScope): void {
  const path = `${ep.path}.pregnancy`;
  if (!ctx.src.has(path)) return;
  const rule = ctx.rules.observations.pregnancy;
  const frame = (code: Observation['code']) => ({ category: rule.category, code });
  const status = ctx.src.string(`${path}.status`);
  if (status !== undefined) {
    ctx.addItem(ep, `${rule.item}/status`, (identifier) => {
      const obs = observation(ctx, ep, identifier, frame(codeable(rule.status.code)));
      const v: (Coding & { absent?: string }) | undefined = rule.status.values[status];
      if (v?.absent) obs.dataAbsentReason = dataAbsentReason(v.absent);
      else if (v) obs.valueCodeableConcept = codeable(v);
      return obs;
    });
  }
  for (const key of ['lmp', 'edd'] as const) {
    const date = ctx.src.string(`${path}.${key}`);
    if (date === undefined) continue;
    ctx.addItem(ep, `${rule.item}/${key}`, (identifier) => {
      const obs = observation(ctx, ep, identifier, frame(rule[key].code));
      obs.valueDateTime = date;
      return obs;
    });
  }
  for (const key of ['gravida', 'para'] as const) {
    const n = ctx.src.number(`${path}.${key}`);
    if (n === undefined) continue;
    ctx.addItem(ep, `${rule.item}/${key}`, (identifier) => {
      const obs = observation(ctx, ep, identifier, frame(rule[key].code));
      obs.valueInteger = n;
      return obs;
    });
  }
}
