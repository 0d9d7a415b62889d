// An invariant met again on the same node in one validation (a profile and its base hold the same constraint) is
// evaluated once; another node or another %resource is evaluated again.
import { holds, type Invariant, type Verdict } from '../../src/validation/invariants';

function counting(answer: unknown[]): Invariant & { calls: number } {
  const inv = {
    key: 'x-1',
    severity: 'error' as const,
    human: 'x',
    expression: 'x',
    calls: 0,
    evaluate: () => {
      inv.calls++;
      return answer;
    },
  };
  return inv;
}

describe('invariant verdicts within one validation', () => {
  it('are reused for the same node and environment only', () => {
    const inv = counting([false]);
    const last = new Map<Invariant, Verdict>();
    const node = { a: 1 };
    const env = { resource: node, rootResource: node };
    expect(holds(inv, node, env, last)).toBe(false);
    expect(holds(inv, node, env, last)).toBe(false);
    expect(inv.calls).toBe(1);
    expect(holds(inv, { a: 1 }, env, last)).toBe(false);
    expect(inv.calls).toBe(2);
    expect(holds(inv, node, { ...env }, last)).toBe(false);
    expect(inv.calls).toBe(3);
    // without a validation's verdicts, every call evaluates
    expect(holds(inv, node, env)).toBe(false);
    expect(inv.calls).toBe(4);
  });

  it('are not kept when the evaluation fails', () => {
    const inv = counting([]);
    inv.evaluate = () => {
      inv.calls++;
      throw new Error('no');
    };
    const last = new Map<Invariant, Verdict>();
    const node = { a: 1 };
    const env = { resource: node, rootResource: node };
    expect(() => holds(inv, node, env, last)).toThrow('no');
    expect(() => holds(inv, node, env, last)).toThrow('no');
    expect(inv.calls).toBe(2);
  });
});
