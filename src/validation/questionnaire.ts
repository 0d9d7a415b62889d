// QuestionnaireResponse checked against its Questionnaire: linkIds, answer types and options, required items,
// repeats and enableWhen (questionnaireresponse.html#link, questionnaire.html#enableWhen).
import type { Coding, QuestionnaireItem, QuestionnaireItemEnableWhen } from 'fhir/r4';
import { report, type Context } from './engine';

type Json = Record<string, unknown>;

/** The answer value types each item type accepts. */
const ANSWER_TYPES: Record<string, string[]> = {
  boolean: ['Boolean'],
  decimal: ['Decimal'],
  integer: ['Integer'],
  date: ['Date'],
  dateTime: ['DateTime'],
  time: ['Time'],
  string: ['String'],
  text: ['String'],
  url: ['Uri'],
  choice: ['Coding', 'String', 'Integer', 'Date', 'Time'],
  'open-choice': ['Coding', 'String', 'Integer', 'Date', 'Time'],
  attachment: ['Attachment'],
  reference: ['Reference'],
  quantity: ['Quantity'],
};

interface Answer {
  type: string;
  value: unknown;
}

const list = (v: unknown): Json[] =>
  Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : [];

const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/** A required item the person declined is present with a data-absent-reason instead of an answer: accounted for. */
function absentWithReason(item: Json): boolean {
  return list(item.extension).some((e) => (e as { url?: unknown }).url === DATA_ABSENT_REASON);
}

function answerOf(a: Json): Answer | undefined {
  for (const [k, v] of Object.entries(a)) if (k.startsWith('value')) return { type: k.slice(5), value: v };
  return undefined;
}

/** FHIRPath name of an answer type: primitives are lower case (`value.ofType(string)`). */
const typeName = (t: string): string =>
  ['Coding', 'Attachment', 'Reference', 'Quantity'].includes(t) ? t : t[0]!.toLowerCase() + t.slice(1);

function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  const x = a as Coding & { value?: unknown };
  const y = b as Coding & { value?: unknown };
  if (x.code !== undefined || y.code !== undefined)
    return x.code === y.code && (!x.system || !y.system || x.system === y.system);
  return x.value !== undefined && x.value === y.value;
}

function collectAnswers(items: Json[], into: Map<string, Answer[]>): Map<string, Answer[]> {
  for (const item of items) {
    const id = String(item.linkId);
    for (const a of list(item.answer)) {
      const ans = answerOf(a);
      if (ans) into.set(id, [...(into.get(id) ?? []), ans]);
      collectAnswers(list(a.item), into);
    }
    collectAnswers(list(item.item), into);
  }
  return into;
}

function condition(ew: QuestionnaireItemEnableWhen, answers: Answer[]): boolean {
  const expected: unknown = Object.entries(ew as unknown as Json).find(([k]) => k.startsWith('answer'))?.[1];
  switch (ew.operator) {
    case 'exists':
      return answers.length > 0 === (expected === true);
    case '=':
      return answers.some((a) => same(a.value, expected));
    case '!=':
      return answers.some((a) => !same(a.value, expected));
    default: {
      const cmp = (a: Answer): number => (a.value as number) - (expected as number);
      const ops: Record<string, (n: number) => boolean> = {
        '>': (n) => n > 0,
        '<': (n) => n < 0,
        '>=': (n) => n >= 0,
        '<=': (n) => n <= 0,
      };
      const op = ops[ew.operator];
      return op !== undefined && answers.some((a) => typeof a.value === 'number' && op(cmp(a)));
    }
  }
}

function enabled(q: QuestionnaireItem, answers: Map<string, Answer[]>): boolean {
  if (!q.enableWhen?.length) return true;
  const results = q.enableWhen.map((ew) => condition(ew, answers.get(ew.question) ?? []));
  return q.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
}

export function checkQuestionnaireResponse(ctx: Context, qr: Json, path: string): void {
  const canonical = qr.questionnaire;
  if (typeof canonical !== 'string') return;
  const questionnaire = ctx.engine.resolveQuestionnaire(canonical);
  if (!questionnaire) {
    report(
      ctx,
      'warning',
      'not-found',
      `Questionnaire ${canonical} is not known: the answers were not checked against it`,
      `${path}.questionnaire`,
    );
    return;
  }
  const answers = collectAnswers(list(qr.item), new Map());
  const all = new Set<string>();
  const index = (items: QuestionnaireItem[]): void =>
    items.forEach((i) => (all.add(i.linkId), index(i.item ?? [])));
  index(questionnaire.item ?? []);
  const checkRequired = qr.status === 'completed' || qr.status === 'amended';
  const state = { ctx, answers, all, checkRequired };
  checkItems(state, list(qr.item), questionnaire.item ?? [], path);
}

interface State {
  ctx: Context;
  answers: Map<string, Answer[]>;
  all: Set<string>;
  checkRequired: boolean;
}

function checkItems(s: State, items: Json[], defs: QuestionnaireItem[], path: string): void {
  const { ctx } = s;
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const at = `${path}.item[${i}]`;
    const linkId = String(item.linkId);
    const q = defs.find((d) => d.linkId === linkId);
    if (!q) {
      const where = s.all.has(linkId) ? 'at this level' : 'in the Questionnaire';
      report(
        ctx,
        'error',
        s.all.has(linkId) ? 'structure' : 'not-found',
        `Item linkId '${linkId}' is not ${where}`,
        at,
      );
      return;
    }
    seen.set(linkId, (seen.get(linkId) ?? 0) + 1);
    if (seen.get(linkId)! > 1 && !q.repeats)
      report(ctx, 'error', 'invalid', `Item '${linkId}' does not repeat but appears more than once`, at);
    const given = list(item.answer);
    if (!enabled(q, s.answers)) {
      if (given.length || list(item.item).length) {
        report(
          ctx,
          'error',
          'invalid',
          `Item '${linkId}' is not enabled (its enableWhen conditions are not met) and must not be answered`,
          at,
        );
      }
      return;
    }
    checkItem(s, item, q, given, at);
  });
  if (!s.checkRequired) return;
  for (const q of defs) {
    if (!q.required || seen.has(q.linkId) || !enabled(q, s.answers)) continue;
    report(
      ctx,
      'error',
      'required',
      `Required item '${q.linkId}' (${q.text ?? q.type}) is not answered`,
      path,
    );
  }
}

function checkItem(s: State, item: Json, q: QuestionnaireItem, given: Json[], at: string): void {
  const { ctx } = s;
  if (q.type === 'group' || q.type === 'display') {
    if (given.length)
      report(ctx, 'error', 'structure', `Item '${q.linkId}' is a ${q.type} and cannot have answers`, at);
  } else if (given.length > 1 && !q.repeats) {
    report(
      ctx,
      'error',
      'invalid',
      `Item '${q.linkId}' does not repeat: one answer only (found ${given.length})`,
      at,
    );
  } else if (
    given.length === 0 &&
    q.required &&
    s.checkRequired &&
    !list(item.item).length &&
    !absentWithReason(item)
  ) {
    report(ctx, 'error', 'required', `Required item '${q.linkId}' has no answer`, at);
  }
  given.forEach((a, j) => {
    const ans = answerOf(a);
    if (!ans) return;
    const loc = `${at}.answer[${j}].value.ofType(${typeName(ans.type)})`;
    const allowed = ANSWER_TYPES[q.type];
    if (allowed && !allowed.includes(ans.type)) {
      report(
        ctx,
        'error',
        'structure',
        `Item '${q.linkId}' is of type ${q.type}: an answer of type ${typeName(ans.type)} is not allowed`,
        loc,
      );
      return;
    }
    if (q.answerOption?.length && !(q.type === 'open-choice' && ans.type === 'String')) {
      const options = q.answerOption.map((o) => answerOf(o as unknown as Json)?.value);
      if (!options.some((o) => same(o, ans.value))) {
        report(
          ctx,
          'error',
          'code-invalid',
          `The answer to '${q.linkId}' is not one of its answerOptions`,
          loc,
        );
      }
    } else if (q.answerValueSet && ans.type === 'Coding') {
      const exp = ctx.engine.terminology.expand(q.answerValueSet);
      const c = ans.value as Coding;
      const codes = c.system ? exp?.systems.get(c.system) : undefined;
      if (
        exp &&
        codes !== 'any' &&
        !(codes instanceof Set && typeof c.code === 'string' && codes.has(c.code))
      ) {
        report(
          ctx,
          'error',
          'code-invalid',
          `${c.system ?? '?'}#${c.code ?? '?'} is not in the answerValueSet ${q.answerValueSet} of '${q.linkId}'`,
          loc,
        );
      }
    }
    checkItems(s, list(a.item), q.item ?? [], `${at}.answer[${j}]`);
  });
  if (list(item.item).length || (q.type === 'group' && q.item))
    checkItems(s, list(item.item), q.item ?? [], at);
}
