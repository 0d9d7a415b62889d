// Any JSON value in any place gives issues, never an exception (which the server would answer with a 500):
// values of the wrong JSON kind put into every element of a sample of the R4 examples, up to three levels deep.
import { createValidator } from '../../src/validation';
import { r4Examples } from './r4-examples';

const REPLACEMENTS: unknown[] = [42, 'x', true, [1], { a: 1 }, [{ a: 1 }]];

function paths(
  node: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (at.length > 5) return out;
  if (Array.isArray(node)) {
    if (node.length > 0) paths(node[0], [...at, 0], out);
  } else if (node && typeof node === 'object') {
    for (const k of Object.keys(node)) {
      if (k === 'resourceType') continue;
      out.push([...at, k]);
      paths((node as Record<string, unknown>)[k], [...at, k], out);
    }
  }
  return out;
}

describe('the validator on malformed input', () => {
  const validator = createValidator();
  const sample = r4Examples().filter((_e, i) => i % 10 === 0);

  it('gives issues for malformed values and never throws', () => {
    const thrown: string[] = [];
    let runs = 0;
    for (const e of sample) {
      for (const p of paths(e.resource).slice(0, 40)) {
        for (const value of REPLACEMENTS) {
          const copy = structuredClone(e.resource) as Record<string | number, unknown>;
          let node = copy;
          for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
          node[p[p.length - 1]!] = value;
          runs++;
          try {
            validator.validate(copy);
          } catch (err) {
            thrown.push(`${e.file} ${p.join('.')} = ${JSON.stringify(value)}: ${(err as Error).message}`);
          }
        }
      }
    }
    expect(thrown.slice(0, 10)).toEqual([]);
    expect(runs).toBeGreaterThan(5000);
  });
});
