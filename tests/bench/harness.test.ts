// The benchmark harness's pure parts: module discovery and selection, sections, percentiles (no timings here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  asSection,
  discoverModules,
  isBenchModule,
  mergeSections,
  readSections,
  selectModules,
} from '../../bench/support/modules';
import { figures, overhead, percentile } from '../../bench/support/stats';

describe('benchmark module discovery', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-bench-test-'));
    fs.mkdirSync(path.join(root, 'dist'));
    fs.mkdirSync(path.join(root, 'src'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const touch = (...parts: string[]): void => fs.writeFileSync(path.join(root, ...parts), '');

  it('lists compiled modules that have a source, except run, sorted', () => {
    for (const m of ['search', 'rest', 'run', 'validation']) {
      touch('dist', `${m}.js`);
      touch('src', `${m}.ts`);
    }
    touch('dist', 'rest.js.map');
    touch('dist', 'removed.js'); // stale build output of a module whose source is gone
    fs.mkdirSync(path.join(root, 'dist', 'support'));
    touch('dist', 'support', 'db.js');
    expect(discoverModules(path.join(root, 'dist'), path.join(root, 'src'))).toEqual([
      'rest',
      'search',
      'validation',
    ]);
  });

  it('selects named modules in the given order and rejects unknown names', () => {
    const all = ['mapping', 'rest', 'search'];
    expect(selectModules(all, [])).toEqual(all);
    expect(selectModules(all, ['search', 'rest', 'search'])).toEqual(['search', 'rest']);
    expect(() => selectModules(all, ['rest', 'nope'])).toThrow(
      /unknown benchmark module\(s\): nope; available: mapping, rest, search/,
    );
  });

  it('gives a section without a heading one named after its module', () => {
    expect(asSection('rest', '\n| a |\n')).toBe('## rest\n\n| a |');
    expect(asSection('rest', '## REST core\n\ntext')).toBe('## REST core\n\ntext');
    expect(isBenchModule({ bench: () => Promise.resolve('') })).toBe(true);
    expect(isBenchModule({ default: {} })).toBe(false);
  });
});

describe('results file', () => {
  it('replaces the sections of the modules run now and keeps the others, sorted by module', () => {
    const first = mergeSections(
      '# H1\n',
      '',
      new Map([
        ['search', '## Search\nold'],
        ['rest', '## REST\nr1'],
      ]),
    );
    expect([...readSections(first).keys()]).toEqual(['rest', 'search']);
    const second = mergeSections(
      '# H2\n',
      first,
      new Map([
        ['search', '## Search\nnew'],
        ['mapping', '## M'],
      ]),
    );
    expect(second.startsWith('# H2\n')).toBe(true);
    expect(second).not.toContain('# H1');
    expect([...readSections(second)]).toEqual([
      ['mapping', '## M'],
      ['rest', '## REST\nr1'],
      ['search', '## Search\nnew'],
    ]);
  });

  it('drops the text of a file written before sections were marked', () => {
    const merged = mergeSections(
      '# H\n',
      '# old header\n\n## rest\nstale figures\n',
      new Map([['rest', 'x']]),
    );
    expect(merged).not.toContain('stale');
    expect([...readSections(merged)]).toEqual([['rest', 'x']]);
  });
});

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('computes throughput over wall time and the overhead against a baseline', () => {
    const f = figures({ count: 4, errors: 1, wallMs: 2000, latencies: [4, 1, 3, 2] });
    expect(f).toMatchObject({ count: 4, errors: 1, perSecond: 2, p50: 2, p99: 4, mean: 2.5 });
    expect(overhead(15, 10)).toBe('+50 %');
    expect(overhead(5, 10)).toBe('−50 %');
    expect(overhead(5, 0)).toBe('n/a');
  });
});
