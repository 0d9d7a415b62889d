// The mutation corpus: every invalid resource derived from an R4 example is rejected at the right location.
import { createValidator } from '../../src/validation';
import { mutate, type Mutant } from './mutations';
import { INVALID_EXAMPLES, r4Examples } from './r4-examples';

describe('mutants of the R4 examples are rejected with the right expression', () => {
  const validator = createValidator();
  const mutants: Mutant[] = r4Examples()
    .filter((e) => !(e.file in INVALID_EXAMPLES))
    .flatMap(mutate);

  it('catches every mutant at its location', () => {
    const byKind = new Map<string, { total: number; caught: number; missed: string[] }>();
    for (const m of mutants) {
      const errors = validator.validate(m.resource).filter((i) => i.severity === 'error');
      const ok = errors.some((i) => i.expression?.includes(m.expression));
      const k = byKind.get(m.kind) ?? { total: 0, caught: 0, missed: [] };
      k.total++;
      if (ok) k.caught++;
      else
        k.missed.push(
          `${m.file} ${m.expression}: ${errors.map((e) => `${e.expression?.[0]} ${e.diagnostics}`).join(' | ') || 'no error'}`,
        );
      byKind.set(m.kind, k);
    }
    const summary = [...byKind].map(([kind, k]) => `${kind}: ${k.caught}/${k.total}`).join('\n');
    const missed = [...byKind.values()].flatMap((k) => k.missed.slice(0, 5));
    expect({ summary, missed }).toEqual({ summary: summary.replace(/(\d+)\/(\d+)/g, '$2/$2'), missed: [] });
    expect(mutants.length).toBeGreaterThan(4000);
  });
});
