// The GBV clinical enquiry (docs 5.2) as a QuestionnaireResponse (questionnaireresponse.html) with derived screening
// Observations and ServiceRequests for accepted referrals, all labelled SDV + R. Declined and not-asked enquiries are
// recorded with a data-absent-reason, never as "no violence"; no Condition is ever made from an answer.
import type {
  Coding,
  Observation,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  Reference,
} from 'fhir/r4';
import type { EpisodeScope, MappingContext } from './context';
import { dataAbsentReason } from './clinical';
import { codeable, observation, ucumQuantity } from './observation-base';
import type { GbvGroupRule, GbvItemRule } from './rules';
import { concept } from './terminology';

type Answer = NonNullable<QuestionnaireResponseItem['answer']>[number];

function darExtension(ctx: MappingContext): { url: string; valueCode: string } {
  return { url: ctx.rules.common.extensions.dataAbsentReason, valueCode: ctx.rules.gbv.absent.declined };
}

interface InstrumentAnswers {
  group: GbvGroupRule;
  /** Per item: the Coding answered, or 'declined'. */
  answers: { item: GbvItemRule; value: Coding | 'declined'; raw: string }[];
}

function answerOf(ctx: MappingContext, item: GbvItemRule, raw: unknown, path: string): Answer[] {
  const values = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const set = item.answers ? ctx.rules.gbv.answerSets[item.answers] : undefined;
  const out: Answer[] = [];
  for (const v of values) {
    if (item.type === 'boolean' && typeof v === 'boolean') out.push({ valueBoolean: v });
    else if (item.type === 'string' && !set && typeof v === 'string') out.push({ valueString: v });
    else if (item.type === 'country' && typeof v === 'string') {
      const cc = concept(ctx.rules, 'country', v);
      if (!cc.coding)
        ctx.warn(
          `'${v}' is not in the country ConceptMap; answered with its display only`,
          path,
          'code-invalid',
        );
      out.push({ valueCoding: cc.coding?.[0] ?? { display: v } });
    } else {
      const mapped = set?.[String(v)];
      if (typeof mapped === 'object') out.push({ valueCoding: { ...mapped } });
      else if (typeof mapped === 'string') out.push({ valueString: mapped });
      else if (typeof v === 'string') {
        ctx.warn(`'${v}' has no answer for ${item.linkId}; kept as text`, path, 'code-invalid');
        out.push({ valueString: v });
      }
    }
  }
  return out;
}

/** Whether the item's enableWhen (from the rules) holds for the record's sibling field. */
function enabled(ctx: MappingContext, gpath: string, item: GbvItemRule): boolean {
  if (!item.enabledWhen) return true;
  const v = ctx.src.peek(`${gpath}.${item.enabledWhen.from}`);
  const values = Array.isArray(v) ? (v as unknown[]) : [v];
  return values.some((x) => typeof x === 'string' && item.enabledWhen!.anyOf.includes(x));
}

function buildItems(
  ctx: MappingContext,
  base: string,
  instruments: InstrumentAnswers[],
): QuestionnaireResponseItem[] {
  const groups: QuestionnaireResponseItem[] = [];
  for (const group of ctx.rules.gbv.groups) {
    const gpath = `${base}.${group.from}`;
    if (!ctx.src.has(gpath)) continue;
    const items: QuestionnaireResponseItem[] = [];
    const answered: InstrumentAnswers = { group, answers: [] };
    for (const item of group.items) {
      const path = `${gpath}.${item.from}`;
      if (!ctx.src.has(path)) continue;
      if (!enabled(ctx, gpath, item)) {
        // The Questionnaire disables the item for these answers: an answer there would make the response invalid.
        ctx.src.explain(
          path,
          `not asked: ${item.linkId} is enabled only when ${item.enabledWhen!.from} is ${item.enabledWhen!.anyOf.join(' or ')}`,
        );
        continue;
      }
      const raw = ctx.src.get(path);
      if (raw === 'declined') {
        // The answer options hold no "declined": the item carries a data-absent-reason and no answer.
        items.push({ linkId: item.linkId, extension: [darExtension(ctx)] });
        if (group.total) answered.answers.push({ item, value: 'declined', raw: 'declined' });
        continue;
      }
      const answer = answerOf(ctx, item, raw, path);
      if (answer.length > 0) items.push({ linkId: item.linkId, answer });
      const first = answer[0]?.valueCoding;
      if (group.total && first)
        answered.answers.push({
          item,
          value: first,
          raw: typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '',
        });
    }
    if (group.total) {
      const total = score(group, answered);
      if (total !== undefined) items.push({ linkId: group.total.linkId, answer: [{ valueInteger: total }] });
      instruments.push(answered);
    }
    if (items.length > 0) groups.push({ linkId: group.linkId, item: items });
  }
  return groups;
}

/** The instrument total, only when every item was answered (a declined item leaves the total unknown). */
function score(group: GbvGroupRule, answered: InstrumentAnswers): number | undefined {
  if (!group.total || answered.answers.length !== group.items.length) return undefined;
  let sum = 0;
  for (const a of answered.answers) {
    if (a.value === 'declined') return undefined;
    sum += group.total.score[a.raw] ?? 0;
  }
  return sum;
}

export function mapGbv(ctx: MappingContext, ep: EpisodeScope): void {
  const base = `${ep.path}.gbv`;
  if (!ctx.src.has(base)) return;
  const g = ctx.rules.gbv;
  const enquiry = ctx.src.string(`${base}.enquiry`);
  const notAskedReason = ctx.src.string(`${base}.notAskedReason`);
  const instruments: InstrumentAnswers[] = [];
  const item = buildItems(ctx, base, instruments);
  const qr = ctx.addItem(ep, `${g.item}/response`, (identifier) => {
    const resource: QuestionnaireResponse = {
      resourceType: 'QuestionnaireResponse',
      meta: ctx.meta('gbvResponse', true),
      identifier,
      questionnaire: g.questionnaire,
      // Not asked: the enquiry stopped before its required items, which only a completed response must answer.
      status: enquiry === 'not-asked' ? 'stopped' : 'completed',
      subject: ctx.patient,
      encounter: ep.encounter,
      authored: ep.date,
    };
    if (item.length > 0) resource.item = item;
    return resource;
  });
  const frame = { profile: 'screening', sensitive: true, category: g.observationCategory };
  const derive = (key: string, build: (obs: Observation) => void, ipv: boolean, code: Coding): Reference =>
    ctx.addItem(ep, `${g.item}/${key}`, (identifier) => {
      const category = ipv ? [...frame.category, g.ipvCategory] : frame.category;
      const obs = observation(ctx, ep, identifier, { ...frame, category, code: codeable(code) });
      obs.derivedFrom = [qr];
      build(obs);
      return obs;
    });
  if (enquiry !== 'completed') {
    // Declined or not asked: one Observation on the HARK total saying so, never a negative result.
    const hark = g.groups.find((x) => x.instrument === 'hark')?.total;
    if (!hark) return;
    const reason = enquiry === 'declined' ? g.absent.declined : g.absent.notAsked;
    derive(
      'hark-total',
      (obs) => {
        obs.dataAbsentReason = dataAbsentReason(reason);
        if (notAskedReason !== undefined) obs.note = [{ text: `GBV enquiry not asked: ${notAskedReason}` }];
      },
      true,
      hark.code,
    );
    return;
  }
  if (notAskedReason !== undefined)
    ctx.warn('notAskedReason ignored: the enquiry was completed', `${base}.notAskedReason`);
  ep.gbvDisclosed = disclosed(ctx, instruments, item);
  for (const inst of instruments) deriveInstrument(ctx, inst, derive);
  mapGbvReferrals(ctx, ep, base, qr);
}

/** Whether a completed enquiry disclosed violence: an instrument total at its cut-off, or a disclosure item answered. */
function disclosed(
  ctx: MappingContext,
  instruments: InstrumentAnswers[],
  groups: QuestionnaireResponseItem[],
): boolean {
  for (const inst of instruments) {
    const sum = score(inst.group, inst);
    if (inst.group.total && sum !== undefined && sum >= inst.group.total.positiveAtLeast) return true;
  }
  const items = ctx.rules.gbv.related.disclosureItems;
  return groups.some((g) =>
    (g.item ?? []).some((i) => items.includes(i.linkId) && (i.answer ?? []).length > 0),
  );
}

function deriveInstrument(
  ctx: MappingContext,
  inst: InstrumentAnswers,
  derive: (key: string, build: (obs: Observation) => void, ipv: boolean, code: Coding) => Reference,
): void {
  const total = inst.group.total;
  if (!total) return;
  const ipv = inst.group.instrument === 'hark';
  const members: Reference[] = [];
  for (const a of inst.answers) {
    const code = a.item.code ?? { code: a.item.linkId };
    members.push(
      derive(
        `${inst.group.instrument ?? inst.group.linkId}/${a.item.linkId}`,
        (obs) => {
          if (a.value === 'declined') obs.dataAbsentReason = dataAbsentReason(ctx.rules.gbv.absent.declined);
          else obs.valueCodeableConcept = codeable(a.value);
        },
        ipv,
        code,
      ),
    );
  }
  if (inst.answers.length === 0) return;
  const sum = score(inst.group, inst);
  derive(
    `${inst.group.instrument ?? inst.group.linkId}-total`,
    (obs) => {
      if (sum === undefined) {
        // Some items declined or missing: the total is unknown, not zero.
        obs.dataAbsentReason = dataAbsentReason(ctx.rules.gbv.absent.declined);
      } else {
        obs.valueQuantity = ucumQuantity(sum, '{score}');
        const interp = ctx.rules.gbv.interpretation;
        obs.interpretation = [codeable(sum >= total.positiveAtLeast ? interp.positive : interp.negative)];
      }
      // derivedFrom may only point to the QuestionnaireResponse (ephr-screening-observation); items are members.
      obs.hasMember = members;
    },
    ipv,
    total.code,
  );
}

function mapGbvReferrals(ctx: MappingContext, ep: EpisodeScope, base: string, qr: Reference): void {
  const g = ctx.rules.gbv;
  const group = g.groups.find((x) => x.items.some((i) => i.linkId === g.referralItem));
  const item = group?.items.find((i) => i.linkId === g.referralItem);
  if (!group || !item?.answers) return;
  const raw = ctx.src.peek(`${base}.${group.from}.${item.from}`);
  if (!Array.isArray(raw)) return;
  for (const v of raw) {
    if (typeof v !== 'string' || g.referralSkip.includes(v)) continue;
    const coding = g.answerSets[item.answers]?.[v];
    if (typeof coding !== 'object') continue;
    ctx.addItem(ep, `${g.item}/referral/${v}`, (identifier) => ({
      resourceType: 'ServiceRequest',
      meta: ctx.meta(undefined, true),
      identifier: [identifier],
      status: 'active',
      intent: 'order',
      code: { coding: [{ ...coding }], text: coding.display ?? v },
      subject: ctx.patient,
      encounter: ep.encounter,
      authoredOn: ep.date,
      supportingInfo: [qr],
    }));
  }
}
