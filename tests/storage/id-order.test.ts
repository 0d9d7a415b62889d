// FerretDB hands `_id` ranges and a sort by `_id` to SQLite's `_id` index (scripts/ferretdb/patches/): an ordered
// read of a range with a limit reads the rows it returns and few more, and the answers are those of the same query
// that FerretDB runs in Go (a filter it does not hand down: the `_id` condition inside `$and`).
import { ObjectId, type Collection, type Db, type Document, type Filter } from 'mongodb';
import { ownFerretDb } from '../support/own-ferretdb';

type Doc = { _id: string | number | ObjectId; v?: number };

const own = ownFerretDb('idorder');
let db: Db;
beforeAll(() => {
  db = own.db();
});

const INDEX = /SEARCH \S+ USING INDEX \S+__id_/;
async function explain(find: string, filter: Document, sort?: Document): Promise<string> {
  return JSON.stringify(await db.command({ explain: { find, filter, ...(sort ? { sort } : {}) } }));
}
/** The same condition where FerretDB does not hand it to SQLite: it reads, filters and sorts every document. */
const inGo = (cond: Document): Filter<Doc> => ({ $and: [{ _id: cond }] });

/** Strings of every kind the rule allows, their neighbours around the closing quote (space, "!"), and others. */
const IDS = [
  '',
  'K',
  'k',
  'k|',
  'k|a',
  'k|a b',
  'k|a!',
  'k|a!x',
  'k|a#',
  'k|a~',
  'k|ab',
  'k|a|b',
  'k|é',
  'k|Zoë',
  'k|z',
  'k|~',
  'k|{',
  'k}',
  'k|2024-01-01',
  'k|2024-01-01|x',
  'k|2024-12-31',
  'k|Ω 1',
  'l',
  'Patient/1',
  'Patient/10',
];
const BOUNDS = [
  ...IDS,
  'k|a ',
  'k|a  ',
  'k|a!',
  'k|a"',
  'k|a\u00e9',
  'k|\u00ff',
  'k|2024',
  'k|2024-06',
  'k~',
  ' ',
];

describe('_id ranges', () => {
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = db.collection<Doc>('ranges');
    await c.insertMany(IDS.map((_id, v) => ({ _id, v })));
    // other types: an ObjectId whose JSON text is a string of hex digits, and numbers
    await c.insertMany([{ _id: new ObjectId('6b0000000000000000000000') }, { _id: 5 }, { _id: 60 }]);
  });

  it('are read from the index, alone or beside other conditions', async () => {
    for (const cond of [
      { $gt: 'k|a' },
      { $gte: 'k|a' },
      { $lt: 'k|z' },
      { $lte: 'k|z' },
      { $gt: 'k|a', $lt: 'k|z' },
      { $gte: 'k|a b', $lte: 'k|é' },
      { $gt: 'k|2024-01-01', $lte: 'k|2024-12-31 ~!#$%()*+,=?@[]^{}:;_.-/' },
    ]) {
      expect([cond, await explain('ranges', { _id: cond })]).toEqual([cond, expect.stringMatching(INDEX)]);
      expect(await explain('ranges', { _id: cond, v: { $lt: 3 } })).toMatch(INDEX);
    }
    // bounds that JSON does not write as themselves, or that are no strings, are not handed down
    expect(await explain('ranges', { _id: { $gt: 'k|<' } })).toMatch(/SCAN/);
    expect(await explain('ranges', { _id: { $gt: 5 } })).toMatch(/SCAN/);
  });

  it('answer what the query answers in Go, for every bound and pair of bounds', async () => {
    const ids = (docs: Doc[]) => docs.map((d) => String(d._id)).sort();
    const conds: Document[] = BOUNDS.flatMap((b) => [{ $gt: b }, { $gte: b }, { $lt: b }, { $lte: b }]);
    for (const lo of BOUNDS)
      for (const hi of BOUNDS)
        if (lo < hi) conds.push({ $gt: lo, $lt: hi }, { $gte: lo, $lte: hi }, { $gt: lo, $lte: hi });
    conds.push({ $gte: 'k|z', $lt: 'k|a' }, { $gt: 'k|a', $gte: 'k|a b', $lt: 'k|z', $lte: 'k|ab' });
    for (const cond of conds) {
      const [pushed, inGoToo] = await Promise.all([
        c.find({ _id: cond }).toArray(),
        c.find(inGo(cond)).toArray(),
      ]);
      expect([cond, ids(pushed)]).toEqual([cond, ids(inGoToo)]);
    }
  }, 120_000);

  it('count with the index', async () => {
    const cond = { $gt: 'k|a', $lte: 'k|z' };
    const agg = await db.command({
      explain: {
        aggregate: 'ranges',
        pipeline: [{ $match: { _id: cond } }, { $group: { _id: 1, n: { $sum: 1 } } }],
        cursor: {},
      },
    });
    expect(JSON.stringify(agg)).toMatch(INDEX);
    expect(await c.countDocuments({ _id: cond })).toBe(await c.countDocuments(inGo(cond)));
  });
});

describe('a sort by _id', () => {
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = db.collection<Doc>('sorted');
    await c.insertMany(IDS.filter((id) => !/^k\|a[ !]/.test(id)).map((_id, v) => ({ _id, v })));
    await c.insertMany([{ _id: new ObjectId('6b0000000000000000000000') }, { _id: 5 }]);
  });

  it('is SQLite reading the index in order, with no sort of its own', async () => {
    for (const sort of [{ _id: 1 }, { _id: -1 }]) {
      for (const filter of [{ _id: { $gte: 'k|', $lt: 'k}' } }, { _id: { $lte: 'k|z' }, v: { $gt: 1 } }]) {
        const plan = await explain('sorted', filter, sort);
        expect(plan).toMatch(INDEX);
        expect(plan).not.toMatch(/TEMP B-TREE/);
        expect(plan).toMatch(/"sortPushdown":true/);
      }
    }
    // not when rows of other types could come back: their JSON text does not sort as MongoDB sorts them
    expect(await explain('sorted', { v: 1 }, { _id: 1 })).toMatch(/"sortPushdown":false/);
    expect(await explain('sorted', { _id: { $in: ['k|a', new ObjectId()] } }, { _id: 1 })).toMatch(
      /"sortPushdown":false/,
    );
  });

  it('answers what the sort in Go answers', async () => {
    for (const cond of [
      { $gte: 'k|', $lt: 'k}' },
      { $gt: '' },
      { $lt: 'k|é' },
      { $in: ['k|z', 'k|a', 'k|é'] },
    ]) {
      for (const dir of [1, -1] as const) {
        const [pushed, inGoToo] = await Promise.all([
          c.find({ _id: cond }).sort({ _id: dir }).limit(7).toArray(),
          c.find(inGo(cond)).sort({ _id: dir }).limit(7).toArray(),
        ]);
        expect([cond, dir, pushed]).toEqual([cond, dir, inGoToo]);
      }
    }
    // the ObjectId has hex digits in the range's JSON text; it is no string and does not come back
    expect(
      await c
        .find({ _id: { $gte: '6', $lt: '7' } })
        .sort({ _id: 1 })
        .toArray(),
    ).toEqual([]);
  });
});

describe('a limit', () => {
  const N = 50_000;
  const WORDS = ['ab', 'a b', 'é', 'Zoë', 'x|y', '~', 'Ω', 'b!', 'n° 3', 'q'];
  /** `k|<value>|<number>`: no key is another followed by a space or "!" (see the rule in the patch). */
  const key = (i: number): string =>
    `k|${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}|${String(i).padStart(6, '0')}`;
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = db.collection<Doc>('keys');
    for (let i = 0; i < N; i += 5000)
      await c.insertMany(Array.from({ length: 5000 }, (_, j) => ({ _id: key(i + j) })));
  }, 300_000);

  /** The median time of a few runs of a query, and its answer. */
  async function timed(run: () => Promise<Doc[]>): Promise<{ ms: number; docs: Doc[] }> {
    const times: number[] = [];
    let docs: Doc[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      docs = await run();
      times.push(performance.now() - t);
    }
    return { ms: times.sort((a, b) => a - b)[2]!, docs };
  }

  it('stops reading after the rows it returns, in either order', async () => {
    const cond = { $gte: 'k|Zoë', $lt: 'k|é ~' };
    for (const dir of [1, -1] as const) {
      const pushed = await timed(() => c.find({ _id: cond }).sort({ _id: dir }).limit(10).toArray());
      const all = await timed(() => c.find(inGo(cond)).sort({ _id: dir }).limit(10).toArray());
      expect(pushed.docs).toHaveLength(10);
      expect(pushed.docs).toEqual(all.docs);
      if (process.env.ID_ORDER_TIMES)
        process.stdout.write(`sort ${dir}: ${pushed.ms.toFixed(1)} ms, in Go ${all.ms.toFixed(1)} ms\n`);
      expect(pushed.ms * 10).toBeLessThan(all.ms);
    }
  }, 120_000);
});
