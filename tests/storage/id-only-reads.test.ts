// A find that needs only `_id` (projection `{_id: 1}`, a filter of `_id` alone, no sort or a sort by `_id`) and a
// count of such a filter read only each row's `_id` (scripts/ferretdb/patches/07-id-covered-reads.patch), and a filter
// of `_id` alone is decided with `$in` as a set: the answers are those of the same query in a form FerretDB runs on
// whole documents (the condition inside `$and`), for `_id`s of every type and strings JSON escapes.
import {
  Binary,
  BSON,
  Double,
  Int32,
  Long,
  ObjectId,
  type Collection,
  type Db,
  type Document,
  type Filter,
} from 'mongodb';
import { ownFerretDb } from '../support/own-ferretdb';

/** Any `_id`: of the collections below, where `_id`s of every type are kept. */
type Doc = { _id: unknown; v?: number };
type Id = string | number | ObjectId | Binary | Date | Int32 | Long | Double | boolean | null | Document;

const own = ownFerretDb('idonly');
let db: Db;
beforeAll(() => {
  db = own.db();
});

/** The same condition where FerretDB hands nothing down and reads, filters and projects whole documents. */
const inGo = (cond: unknown) => ({ $and: [{ _id: cond }] }) as Filter<Doc>;
/** The condition on `_id` alone, as the server writes it. */
const byId = (cond: unknown) => ({ _id: cond }) as Filter<Doc>;
const ONLY_ID = { projection: { _id: 1 } };
/** Documents as text that keeps every BSON type (an Int32 and a Double of the same value differ). */
const canonical = (docs: Document[]): string[] =>
  docs.map((d) => BSON.EJSON.stringify(d, { relaxed: false }));
const asSet = (docs: Document[]): string[] => canonical(docs).sort();

async function explain(cmd: Document): Promise<Document> {
  return db.command({ explain: cmd });
}

/** Strings of plain characters, strings JSON escapes, and `_id`s of other types whose JSON text is a string too. */
const STRINGS = [
  '',
  'k',
  'k|',
  'k|a',
  'k|a b',
  'k|a!',
  'k|ab',
  'k|é',
  'k|Zoë 🙂',
  'k|z',
  'k|<',
  'k|a<b',
  'k|a>',
  'k|a&b',
  'k|"quoted"',
  'k|back\\slash',
  'k|tab\there',
  'k|nl\n',
  'k|\u2028',
  'k|\u0001',
  'kA==',
  'l',
  'x:Observation|k|636f6465.1.1',
  'x:Observation|k|636f6465.2.1',
  'x:Observation|s|636f6465.2.1',
];
const OTHERS: Id[] = [
  new ObjectId('6b0000000000000000000001'),
  new ObjectId('6b7c610000000000000000ff'),
  new Binary(Buffer.from([0x91, 0x0f, 0xbf]), 0), // base64 "kQ+/", between "k" and "l" as JSON text
  new Binary(Buffer.from([0x90, 0x10]), 0), // "kBA="
  new Date('2024-01-01T00:00:00Z'),
  5,
  new Long(7),
  new Double(8),
  2.5,
  true,
  null,
  { a: 'k|b' },
];

describe('a find of _id alone', () => {
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = db.collection<Doc>('mixed');
    await c.insertMany(STRINGS.map((_id, v) => ({ _id, v })));
    await c.insertMany(OTHERS.map((_id) => ({ _id, v: -1 })));
  });

  it('reads only _id, from the _id index, for a projection {_id: 1} and a filter of _id alone', async () => {
    const range = { $gte: 'k|', $lt: 'k}' };
    for (const [filter, sort] of [
      [{ _id: range }, undefined],
      [{ _id: range }, { _id: 1 }],
      [{ _id: range }, { _id: -1 }],
      [{ _id: { $in: ['k|a', 'l', new ObjectId('6b0000000000000000000001')] } }, undefined],
      [{ _id: 'k|a' }, undefined],
      [{ _id: { $eq: 'k|a' } }, undefined],
    ] as [Document, Document | undefined][]) {
      const plan = await explain({
        find: 'mixed',
        filter,
        projection: { _id: 1 },
        ...(sort ? { sort } : {}),
      });
      expect([filter, sort, plan.idOnlyPushdown]).toEqual([filter, sort, true]);
      expect(JSON.stringify(plan)).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
    }
    // not when the query needs more of the document, or its _id condition is not handed to the index
    for (const cmd of [
      { filter: { _id: range } },
      { filter: { _id: range }, projection: { _id: 1, v: 1 } },
      { filter: { _id: range }, projection: { _id: 0 } },
      { filter: { _id: range, v: 1 }, projection: { _id: 1 } },
      { filter: { _id: range }, projection: { _id: 1 }, sort: { v: 1 } },
      { filter: inGo(range), projection: { _id: 1 } },
      { filter: { _id: { $gt: 'k|<' } }, projection: { _id: 1 } },
    ])
      expect([cmd, (await explain({ find: 'mixed', ...cmd })).idOnlyPushdown]).toEqual([cmd, false]);
    // countDocuments: an aggregate of $match and $group
    const count = (match: Document) =>
      explain({
        aggregate: 'mixed',
        pipeline: [{ $match: match }, { $group: { _id: 1, n: { $sum: 1 } } }],
        cursor: {},
      });
    expect((await count({ _id: range })).idOnlyPushdown).toBe(true);
    expect((await count({ _id: range, v: 1 })).idOnlyPushdown).toBe(false);
  });

  it('answers what the find of whole documents answers, for every type and escaped characters', async () => {
    const bounds = [...STRINGS, 'k|a ', 'k|\u00ff', 'k~', 'kA', 'kQ', 'kR', '6b', '6c', ' '];
    const conds: unknown[] = [
      ...STRINGS,
      ...OTHERS,
      ...bounds.flatMap((b) => [{ $gt: b }, { $gte: b }, { $lt: b }, { $lte: b }, { $eq: b }]),
      { $gte: 'k|', $lt: 'k}' },
      { $gte: 'k', $lt: 'l' },
      { $gt: 'k|a', $lte: 'k|z' },
      { $gte: 'k|a b', $lt: 'k|é', $gt: 'k|' },
      { $gte: '6', $lt: '7' }, // the ObjectIds' hex digits are in this range of JSON text
      { $in: STRINGS },
      { $in: [...STRINGS.slice(0, 5), new ObjectId('6b0000000000000000000001'), 'nope'] },
      { $in: ['kBA=', 'kQ+/', '6b0000000000000000000001'] }, // texts of the binaries and the ObjectId, as strings
      { $in: [] },
      { $in: ['k|a', 5] }, // not handed down: 5 is no string or ObjectId
      { $in: ['k|a'], $gte: 'k|' },
      { $eq: 'k|a', $lt: 'k|b' },
      { $ne: 'k|a' },
      { $exists: true },
    ];
    for (const lo of bounds.slice(0, 12))
      for (const hi of bounds.slice(0, 12))
        if (lo < hi) conds.push({ $gt: lo, $lt: hi }, { $gte: lo, $lte: hi });
    /** A range handed to SQLite may miss an _id with characters JSON escapes (02-id-filter-pushdown): not these. */
    const escaped = (id: unknown) =>
      typeof id === 'string' && [...id].some((ch) => ch < ' ' || '"\\<>&\u2028\u2029'.includes(ch));
    const plain = (docs: Document[]) => docs.filter((d) => !escaped(d._id));
    const onlyIds = (docs: Document[]) => docs.map((d) => ({ _id: d._id as unknown }));
    for (const cond of conds) {
      const [pushed, today, whole, n, nToday] = await Promise.all([
        c.find(byId(cond), ONLY_ID).toArray(),
        c.find(byId(cond), { projection: { _id: 1, v: 1 } }).toArray(), // whole documents, handed down as before
        c.find(inGo(cond), ONLY_ID).toArray(),
        c.countDocuments(byId(cond)),
        c.countDocuments({ ...byId(cond), v: { $exists: true } }), // every document has v
      ]);
      expect([cond, asSet(pushed)]).toEqual([cond, asSet(onlyIds(today))]);
      expect([cond, n]).toEqual([cond, nToday]);
      expect([cond, asSet(plain(pushed))]).toEqual([cond, asSet(plain(whole))]);
    }
    // the escaped characters come back as they went in, and a prefix range finds them all
    const prefix = await c.find(byId({ $gte: 'k|', $lt: 'k}' }), ONLY_ID).toArray();
    expect(asSet(prefix)).toEqual(asSet(STRINGS.filter((s) => s.startsWith('k|')).map((_id) => ({ _id }))));
  }, 120_000);

  it('keeps the order of a sort by _id, skip and limit', async () => {
    const sorted = db.collection<Doc>('plain');
    // strings of characters JSON writes as themselves, none another followed by a space or "!" (06-id-sort-pushdown)
    await sorted.insertMany(
      STRINGS.filter((s) => /^[a-zA-Z0-9|:.=é ]+$/.test(s) && !/^k\|a[ !]/.test(s)).map((_id) => ({ _id })),
    );
    await sorted.insertMany([{ _id: new ObjectId('6b0000000000000000000001') }, { _id: 5 }]);
    for (const cond of [{ $gte: 'k|', $lt: 'k}' }, { $gt: '' }, { $in: ['k|z', 'k|a', 'l', 'x'] }])
      for (const dir of [1, -1] as const)
        for (const [skip, limit] of [
          [0, 0],
          [1, 3],
        ]) {
          const [pushed, whole] = await Promise.all([
            sorted.find(byId(cond), ONLY_ID).sort({ _id: dir }).skip(skip!).limit(limit!).toArray(),
            sorted.find(inGo(cond), ONLY_ID).sort({ _id: dir }).skip(skip!).limit(limit!).toArray(),
          ]);
          expect([cond, dir, skip, canonical(pushed)]).toEqual([cond, dir, skip, canonical(whole)]);
        }
  });
});

describe('20,000 keys', () => {
  const N = 20_000;
  const key = (i: number): string =>
    `x:Observation|k|${Buffer.from(`code-${i % 50}`).toString('hex')}.${String(i).padStart(8, '0')}.1`;
  let c: Collection<{ _id: string }>;
  let ids: string[];
  beforeAll(async () => {
    c = db.collection<{ _id: string }>('keys');
    const all = Array.from({ length: N }, (_, i) => key(i)).sort();
    for (let i = 0; i < N; i += 5000) await c.insertMany(all.slice(i, i + 5000).map((_id) => ({ _id })));
    ids = all.filter((_, i) => i % 20 === 0);
  }, 300_000);

  /** The median time of five runs, in microseconds per document, and the documents of the last. */
  async function perDoc(run: () => Promise<Document[]>): Promise<{ us: number; docs: Document[] }> {
    const times: number[] = [];
    let docs: Document[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      docs = await run();
      times.push(performance.now() - t);
    }
    return { us: (times.sort((a, b) => a - b)[2]! * 1000) / Math.max(docs.length, 1), docs };
  }

  it('are read by range and by $in; the times are printed, the answers compared', async () => {
    const range = { $gte: 'x:Observation|k|', $lt: 'x:Observation|k}' };
    // the same reads through whole documents: a projection that names a field the keys do not have
    const whole = { projection: { _id: 1, v: 1 } };
    const cases: [string, () => Promise<Document[]>, () => Promise<Document[]>][] = [
      [
        'range, sort by _id',
        () => c.find({ _id: range }, ONLY_ID).sort({ _id: 1 }).toArray(),
        () => c.find({ _id: range }, whole).sort({ _id: 1 }).toArray(),
      ],
      [
        '$in of 1,000',
        () => c.find({ _id: { $in: ids } }, ONLY_ID).toArray(),
        () => c.find({ _id: { $in: ids } }, whole).toArray(),
      ],
      [
        'countDocuments of the range',
        () => c.countDocuments({ _id: range }).then((n) => Array<Document>(n).fill({})),
        () =>
          c.countDocuments({ _id: range, v: { $exists: false } }).then((n) => Array<Document>(n).fill({})),
      ],
    ];
    for (const [name, onlyId, wholeDocs] of cases) {
      const a = await perDoc(onlyId);
      const b = await perDoc(wholeDocs);
      expect([name, canonical(a.docs)]).toEqual([name, canonical(b.docs)]);
      process.stdout.write(
        `${name}: ${a.docs.length} keys, ${a.us.toFixed(1)} us a key (whole documents: ${b.us.toFixed(1)} us)\n`,
      );
    }
  }, 300_000);
});
