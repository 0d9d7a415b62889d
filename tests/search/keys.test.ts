// The ordered search index's keys (src/search/keys.ts) sort like the entries they hold, and the key plan of a filter
// (src/search/key-plan.ts) reads a range that holds every entry the filter accepts and no entry it turns down.
import {
  boundedRange,
  exactRange,
  keyEntry,
  keyTarget,
  type KeyRange,
  prefixRange,
  sortValueOf,
  versionKeys,
} from '../../src/search/keys';
import { keyPlan } from '../../src/search/key-plan';
import { matchFilter } from '../../src/search/matcher';

/** Entries with the characters that break a naive encoding: prefixes of each other, `|`, space, quotes, accents. */
const ENTRIES = [
  'family|',
  'family|a',
  'family|ab',
  'family|ab c',
  'family|ab|c',
  'family|abc',
  'family|ab"c',
  'family|ab\\c',
  'family|ab<c>&',
  'family|ab~',
  'family|ab!',
  'family|abd',
  // each side of every run of bytes kept as themselves: / 0 9 : @ A Z [ ` a z {
  'family|a/',
  'family|a0',
  'family|a9',
  'family|a:',
  'family|a@',
  'family|aA',
  'family|aZ',
  'family|a[',
  'family|a`',
  'family|az',
  'family|a{',
  'family|a\u007f',
  'family|müller',
  'family|محمد',
  'family|😀',
  'given|ab',
  'r|2021-01-01T00:00:00.000Z|2021-12-31T23:59:59.999Z',
];
const IDS = ['p1', 'p10', 'p2', 'a.b-c'];

const keysOf = (field: 'k' | 'r', entry: string): string[] =>
  IDS.map((id) => versionKeys('Patient', id, 3, { idx: { [field]: [entry] }, sort: {} })[0]!);

const inRange = (key: string, r: KeyRange): boolean =>
  (r.$gte === undefined || Buffer.compare(Buffer.from(key), Buffer.from(r.$gte)) >= 0) &&
  (r.$gt === undefined || Buffer.compare(Buffer.from(key), Buffer.from(r.$gt)) > 0) &&
  (r.$lt === undefined || Buffer.compare(Buffer.from(key), Buffer.from(r.$lt)) < 0);

/** Byte order of UTF-8, the order of MongoDB's and SQLite's string comparison. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('keys', () => {
  it('name the resource, the version and the entry they were made from', () => {
    for (const e of ENTRIES) {
      for (const [i, key] of keysOf('k', e).entries()) {
        expect(keyTarget(key)).toEqual({ id: IDS[i], version: 3 });
        expect(keyEntry(key)).toBe(e);
      }
    }
  });

  it('use only characters every JSON encoder writes as themselves', () => {
    for (const e of ENTRIES) for (const key of keysOf('k', e)) expect(key).toMatch(/^[A-Za-z0-9:|.!@^~ -]+$/);
  });

  it('sort like their entries, then their resources, whatever the characters', () => {
    const pairs = ENTRIES.flatMap((e) => keysOf('k', e).map((key) => ({ e, key })));
    const sorted = [...pairs].sort((a, b) => byteOrder(a.key, b.key));
    const entriesInKeyOrder = sorted.map((p) => p.e).filter((e, i, a) => a.indexOf(e) === i);
    expect(entriesInKeyOrder).toEqual([...ENTRIES].sort(byteOrder));
  });

  it('ranges hold exactly the keys of the entries they stand for', () => {
    const all = ENTRIES.flatMap((e) => keysOf('k', e).map((key) => ({ e, key })));
    const holds = (r: KeyRange, accept: (e: string) => boolean) => {
      for (const { e, key } of all) expect([e, inRange(key, r)]).toEqual([e, accept(e)]);
    };
    holds(exactRange('Patient', 'k', 'family|ab'), (e) => e === 'family|ab');
    holds(prefixRange('Patient', 'k', 'family|ab'), (e) => e.startsWith('family|ab'));
    holds(prefixRange('Patient', 'k', 'family|'), (e) => e.startsWith('family|'));
    const cmp = (e: string, v: string) => byteOrder(e, v);
    holds(boundedRange('Patient', 'k', { $gte: 'family|ab' }), (e) => cmp(e, 'family|ab') >= 0);
    holds(boundedRange('Patient', 'k', { $gt: 'family|ab' }), (e) => cmp(e, 'family|ab') > 0);
    holds(boundedRange('Patient', 'k', { $lt: 'family|ab' }), (e) => cmp(e, 'family|ab') < 0);
    holds(boundedRange('Patient', 'k', { $lte: 'family|ab' }), (e) => cmp(e, 'family|ab') <= 0);
    holds(
      boundedRange('Patient', 'k', { $gt: 'family|a', $lte: 'family|abc' }),
      (e) => cmp(e, 'family|a') > 0 && cmp(e, 'family|abc') <= 0,
    );
  });

  it('keep a sort value per parameter: the smallest for ascending, the largest for descending', () => {
    const keys = versionKeys('Patient', 'p1', 1, {
      idx: {},
      sort: { '?birthdate': true, birthdate: '1990', '-birthdate': '1991' },
    });
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => [k.split('|')[1], sortValueOf(k)])).toEqual([
      ['s', '1990'],
      ['S', '1991'],
    ]);
  });
});

describe('key plans', () => {
  const stored = ENTRIES.map((e, i) => ({ e, id: `p${i}` }));
  /** Every filter below, on a resource holding one entry: the key plan's range must hold it when it matches. */
  const filters: Array<Record<string, unknown>> = [
    { 'idx.k': 'family|ab' },
    { 'idx.k': { $in: ['family|ab', 'given|ab'] } },
    { 'idx.k': { $regex: '^family\\|ab' } },
    { 'idx.k': { $regex: '^family\\|[\\s\\S]*b' } },
    { 'idx.k': { $gte: 'family|ab', $lt: 'family|~' } },
    { 'idx.k': { $gt: 'family|ab ', $lte: 'family|abd' } },
    { $or: [{ 'idx.k': 'family|a' }, { 'idx.k': { $regex: '^given\\|' } }] },
    { $and: [{ 'idx.k': { $regex: '^family' } }, { 'idx.k': { $regex: '^family\\|a' } }] },
  ];

  it.each(filters.map((f) => [JSON.stringify(f), f]))('%s: the plan holds every match', (_name, filter) => {
    const plan = keyPlan('Patient', filter);
    expect(plan.length).toBeGreaterThan(0);
    for (const { e, id } of stored) {
      const key = versionKeys('Patient', id, 1, { idx: { k: [e] }, sort: {} })[0]!;
      const matches = matchFilter(filter, { idx: { k: [e] } });
      const held = plan.every((s) => s.ranges.some((r) => inRange(key, r)));
      if (matches) expect([e, held]).toEqual([e, true]);
    }
  });

  it('an exact plan holds nothing else', () => {
    const plan = keyPlan('Patient', { 'idx.k': { $regex: '^family\\|ab' } });
    for (const { e, id } of stored) {
      const key = versionKeys('Patient', id, 1, { idx: { k: [e] }, sort: {} })[0]!;
      expect([e, plan[0]!.ranges.some((r) => inRange(key, r))]).toEqual([e, e.startsWith('family|ab')]);
    }
  });

  it('names nothing for entries without keys, rather than fewer resources than match', () => {
    for (const f of [
      { 'idx.k': 'family:exact|Ab' },
      { 'idx.k': { $regex: '^family:text\\|ab' } },
      { 'idx.k': { $regex: '^family' } }, // could reach family:exact entries
      { 'idx.p': 'family' },
      { $or: [{ 'idx.k': 'family|ab' }, { 'idx.k': 'given:exact|Ab' }] },
    ])
      expect([f, keyPlan('Patient', f)]).toEqual([f, []]);
    expect(
      versionKeys('Patient', 'p1', 1, { idx: { k: ['family:exact|Ab'], p: ['family'] }, sort: {} }),
    ).toEqual([]); // quantities: keys for the unit-free and canonical UCUM entries only; composites: none
    const obs = (f: Record<string, unknown>) => keyPlan('Observation', f);
    expect(obs({ 'idx.r': { $gte: 'value-quantity|u:mg|', $lt: 'value-quantity|u:mg|~' } })).toEqual([]);
    expect(obs({ 'idx.r': { $gte: 'value-quantity|', $lt: 'value-quantity|~' } })).toEqual([]);
    expect(obs({ 'idx.r': { $gte: 'value-quantity||', $lt: 'value-quantity||~' } })).toHaveLength(1);
    expect(obs({ 'idx.r': { $gte: 'value-quantity|c:g|', $lt: 'value-quantity|c:g|~' } })).toHaveLength(1);
    expect(obs({ 'idx.k': { $regex: '^code-value-quantity\\|' } })).toEqual([]);
    const entries = [
      'value-quantity||A',
      'value-quantity|u:mg|A',
      'value-quantity|c:g|A',
      'value-quantity|s:x|y|A',
    ];
    expect(versionKeys('Observation', 'o1', 1, { idx: { r: entries }, sort: {} }).map(keyEntry)).toEqual([
      'value-quantity||A',
      'value-quantity|c:g|A',
    ]);
  });

  it('reads ids as they are, and nothing from negations', () => {
    expect(keyPlan('Patient', { _id: { $in: ['Patient/a'] }, id: { $in: ['b'] } })).toEqual([
      { ranges: [], ids: ['Patient/a'] },
      { ranges: [], ids: ['Patient/b'] },
    ]);
    expect(keyPlan('Patient', { $nor: [{ 'idx.k': 'family|ab' }] })).toEqual([]);
    expect(keyPlan('Patient', { $or: [{ 'idx.k': 'family|ab' }, { $nor: [{ 'idx.k': 'x' }] }] })).toEqual([]);
  });
});
