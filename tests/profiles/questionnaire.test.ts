// The GBV clinical-enquiry Questionnaire: linkIds, gating by enableWhen, LOINC items, Arabic text, totals.
// http://hl7.org/fhir/R4/questionnaire.html
import { evaluate, fixture, ofType, coreByUrl, type Json } from './support';

const q = ofType('Questionnaire').find((x) => x.id === 'gbv-clinical-enquiry')!;

function flatten(items: Json[] | undefined, out: Json[] = []): Json[] {
  for (const i of items ?? []) {
    out.push(i);
    flatten(i.item as Json[] | undefined, out);
  }
  return out;
}
const items = flatten(q.item as Json[]);
const order = items.map((i) => i.linkId as string);

it('has the canonical URL and the contracted linkIds', () => {
  expect(q.url).toBe('http://ephr-fhir.org/fhir/Questionnaire/gbv-clinical-enquiry');
  expect(order).toEqual([
    'gbv-0', 'gbv-0.1', 'gbv-0.2', 'gbv-0.3', 'gbv-0.4', 'gbv-0.5',
    'gbv-1', '76500-8', '76501-6', '76502-4', '76503-2', '76504-0',
    'gbv-2', '95618-5', '95617-7', '95616-9', '95615-1', '95614-4',
    'gbv-3', 'gbv-3.1', 'gbv-3.2', 'gbv-3.3', 'gbv-3.3a', 'gbv-3.4', 'gbv-3.5', 'gbv-3.6',
    'gbv-4', 'gbv-4.1', 'gbv-4.2', 'gbv-4.3', 'gbv-4.4', 'gbv-4.5', 'gbv-4.6',
  ]); // prettier-ignore
  expect(new Set(order).size).toBe(order.length);
});

it('codes HARK and HITS with LOINC, the HARK panel 76499-3 on its group', () => {
  const byId = new Map(items.map((i) => [i.linkId as string, i]));
  expect(byId.get('gbv-1')!.code).toEqual([{ system: 'http://loinc.org', code: '76499-3' }]);
  for (const id of ['76500-8', '76501-6', '76502-4', '76503-2', '76504-0', '95618-5', '95617-7', '95616-9', '95615-1', '95614-4']) {
    expect(byId.get(id)!.code).toEqual([{ system: 'http://loinc.org', code: id }]);
  }
  const harkAnswers = (byId.get('76500-8')!.answerOption as Json[]).map((o) => o.valueCoding.code as string);
  expect(harkAnswers).toEqual(['LA33-6', 'LA32-8']);
  const hitsAnswers = (byId.get('95618-5')!.answerOption as Json[]).map((o) => o.valueCoding.code as string);
  expect(hitsAnswers).toEqual(['LA6270-8', 'LA10066-1', 'LA10082-8', 'LA16644-9', 'LA6482-9']);
});

it('gates every group after the preconditions on all four of them', () => {
  for (const id of ['gbv-1', 'gbv-2', 'gbv-3', 'gbv-4']) {
    const group = items.find((i) => i.linkId === id)!;
    expect(group.enableBehavior).toBe('all');
    const questions = (group.enableWhen as Json[]).map((w) => w.question as string);
    expect(new Set(questions)).toEqual(new Set(['gbv-0.1', 'gbv-0.2', 'gbv-0.3', 'gbv-0.4']));
  }
  expect(items.find((i) => i.linkId === 'gbv-0')!.enableWhen).toBeUndefined();
});

it('refers enableWhen only to existing questions that come earlier', () => {
  for (const item of items.filter((i) => i.enableWhen)) {
    const at = order.indexOf(item.linkId as string);
    for (const w of item.enableWhen as Json[]) {
      const target = items.find((i) => i.linkId === w.question);
      expect(target).toBeDefined();
      expect(target!.type).not.toBe('group');
      expect(order.indexOf(w.question as string)).toBeLessThan(at);
      if ((item.enableWhen as Json[]).length > 1) expect(['all', 'any']).toContain(item.enableBehavior);
    }
  }
});

it('gives every item English text and an Arabic translation', () => {
  const arabic = (e: Json | undefined) =>
    ((e?.extension as Json[] | undefined) ?? [])
      .filter((x) => x.url === 'http://hl7.org/fhir/StructureDefinition/translation')
      .map((x) => Object.fromEntries((x.extension as Json[]).map((s) => [s.url as string, (s.valueCode ?? s.valueString) as string])))
      .find((t) => t.lang === 'ar')?.content;
  expect(arabic(q._title)).toMatch(/[\u0600-\u06FF]/);
  for (const i of items) {
    expect(typeof i.text).toBe('string');
    expect({ linkId: i.linkId, ar: /[\u0600-\u06FF]/.test(arabic(i._text) ?? '') }).toEqual({ linkId: i.linkId, ar: true });
    for (const o of (i.answerOption as Json[] | undefined) ?? []) expect(arabic(o.valueCoding._display)).toMatch(/[\u0600-\u06FF]/);
  }
});

it('binds answers to ValueSets we or the R4 package hold', () => {
  const held = new Set([...ofType('ValueSet').map((v) => v.url as string), ...coreByUrl().keys()]);
  for (const i of items.filter((x) => x.answerValueSet)) expect(held.has(i.answerValueSet as string)).toBe(true);
  for (const i of items.filter((x) => x.answerValueSet || x.answerOption)) expect(['choice', 'open-choice']).toContain(i.type);
});

it('computes the HARK and HITS totals with its calculated expressions', () => {
  const calc = (linkId: string) =>
    ((items.find((i) => i.linkId === linkId)!.extension as Json[]).find((e) => (e.url as string).endsWith('calculatedExpression'))!
      .valueExpression.expression as string);
  const qr = fixture('valid/gbv-response-hark.json');
  const recorded = qr.item[1].item[4].answer[0].valueInteger as number;
  expect(evaluate(qr, calc('76504-0'))).toEqual([recorded]);
  const hits = {
    resourceType: 'QuestionnaireResponse',
    item: [{ linkId: 'gbv-2', item: [['95618-5', 'LA6270-8'], ['95617-7', 'LA16644-9'], ['95616-9', 'LA10082-8'], ['95615-1', 'LA6482-9']]
      .map(([linkId, code]) => ({ linkId, answer: [{ valueCoding: { system: 'http://loinc.org', code } }] })) }],
  }; // prettier-ignore
  expect(evaluate(hits, calc('95614-4'))).toEqual([1 + 4 + 3 + 5]);
});

it('lets the profile gate reject HARK answers when the patient is not alone, and accept the met preconditions', () => {
  const sd = ofType('StructureDefinition').find((s) => s.id === 'ephr-gbv-response')!;
  const gate = sd.differential.element[0].constraint[0].expression as string;
  expect(evaluate(fixture('valid/gbv-response-hark.json'), gate)).toEqual([true]);
  expect(evaluate(fixture('valid/gbv-response-not-alone.json'), gate)).toEqual([true]);
  expect(evaluate(fixture('invalid/gbv-response-hark-when-not-alone.json'), gate)).toEqual([false]);
  expect(evaluate(fixture('invalid/gbv-response-family-interpreter.json'), gate)).toEqual([false]);
});
