// The mutation corpus: every invalid resource derived from an R4 example is rejected at the right location.
import { createValidator } from '../../src/validation';
import { mutate, type Mutant } from './mutations';
import { mutateNested } from './nested-mutations';
import { INVALID_EXAMPLES, r4Examples } from './r4-examples';

describe('mutants of the R4 examples are rejected with the right expression', () => {
  const validator = createValidator();
  const mutants: Mutant[] = r4Examples()
    .filter((e) => !(e.file in INVALID_EXAMPLES))
    .flatMap((e) => [...mutate(e), ...mutateNested(e)]);

  it('catches every mutant at its location', () => {
    const byKind = new Map<string, { total: number; caught: number; missed: string[] }>();
    for (const m of mutants) {
      const errors = validator.validate(m.resource).filter((i) => i.severity === 'error');
      const ok = errors.some(
        (i) => i.expression?.includes(m.expression) && (!m.key || i.diagnostics.includes(m.key)),
      );
      const k = byKind.get(m.kind) ?? { total: 0, caught: 0, missed: [] };
      k.total++;
      if (ok) k.caught++;
      else
        k.missed.push(
          `${m.file} ${m.expression}${m.key ? ` (${m.key})` : ''}: ${errors.map((e) => `${e.expression?.[0]} ${e.diagnostics}`).join(' | ') || 'no error'}`,
        );
      byKind.set(m.kind, k);
    }
    const summary = [...byKind].map(([kind, k]) => `${kind}: ${k.caught}/${k.total}`).join('\n');
    const missed = [...byKind.values()].flatMap((k) => k.missed.slice(0, 5));
    expect({ summary, missed }).toEqual({ summary: summary.replace(/(\d+)\/(\d+)/g, '$2/$2'), missed: [] });
    expect(mutants.length).toBeGreaterThan(10000);
  });

  it('reaches inside backbone elements and datatypes, and breaks FHIRPath invariants', () => {
    const at = (file: string, expression: string): boolean =>
      mutants.some((m) => m.file === file && m.expression === expression);
    expect(at('Patient-example.json', 'Patient.contact[0].name')).toBe(true);
    expect(mutants.some((m) => /^Observation\.component\[0\]\.code$/.test(m.expression))).toBe(true);
    const nested = mutants.filter((m) => m.kind.startsWith('nested ')).length;
    expect(nested).toBeGreaterThan(2500);
    const byKey = new Map<string, number>();
    for (const m of mutants) if (m.key) byKey.set(m.key, (byKey.get(m.key) ?? 0) + 1);
    for (const key of ['dom-2', 'dom-3', 'dom-4', 'dom-5', 'obs-6', 'obs-7', 'per-1', 'ele-1', 'ext-1'])
      expect({ key, enough: (byKey.get(key) ?? 0) >= 20 }).toEqual({ key, enough: true });
  });
});
