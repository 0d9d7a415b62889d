// The newest versions of many resources in a few queries: one `$in` per probing round instead of one lookup per
// resource. On FerretDB every lookup scans its collection, so a 1,000-entry transaction needs this.
import type { VersionDoc } from './collections';
import { versionKey } from './collections';
import {
  TransactionLock,
  fromDoc,
  waitOutTransactions,
  type Repository,
  type StoredResource,
} from './repository';

/** `Type/id` -> its newest version visible to a writer (with text), or undefined; waits out other transactions. */
export async function currentMany(
  repo: Repository,
  keys: string[],
): Promise<Map<string, StoredResource | undefined>> {
  return waitOutTransactions(async () => withTexts(repo, await latestMany(repo, keys)));
}

async function latestMany(repo: Repository, keys: string[]): Promise<Map<string, VersionDoc | null>> {
  const out = new Map<string, VersionDoc | null>(keys.map((k) => [k, null]));
  if (keys.length === 0) return out;
  const views = await repo.c.resources
    .find({ _id: { $in: keys } }, { projection: { versionId: 1 } })
    .toArray();
  const floor = new Map<string, number>(keys.map((k) => [k, 0]));
  for (const v of views) floor.set(v._id, v.versionId);
  const split = (k: string): [string, string] => {
    const i = k.indexOf('/');
    return [k.slice(0, i), k.slice(i + 1)];
  };
  // Round one fetches the view's version and the one above it; later rounds only probe upward.
  let probe = new Map<string, number[]>(
    keys.map((k) => [k, floor.get(k)! > 0 ? [floor.get(k)!, floor.get(k)! + 1] : [1]]),
  );
  while (probe.size > 0) {
    const ids = [...probe].flatMap(([k, vs]) => vs.map((v) => versionKey(...split(k), v)));
    const found = await repo.c.versions.find({ _id: { $in: ids } }).toArray();
    const byId = new Map(found.map((d) => [d._id, d]));
    const next = new Map<string, number[]>();
    for (const [k, vs] of probe) {
      for (const v of vs) {
        const d = byId.get(versionKey(...split(k), v));
        if (!d) break;
        if (d.txn !== undefined) {
          const state = await repo.transactionState(d.txn);
          if (state === 'pending') throw new TransactionLock(k, d.txn);
          if (state !== 'committed') break;
        }
        out.set(k, d);
        if (v === vs[vs.length - 1]) next.set(k, [v + 1]);
      }
    }
    probe = next;
  }
  return out;
}

async function withTexts(
  repo: Repository,
  latest: Map<string, VersionDoc | null>,
): Promise<Map<string, StoredResource | undefined>> {
  // texts in their versions came with them; only blobs are fetched
  const blobIds = [...latest.values()].flatMap((d) =>
    d?.blob === undefined || d.json !== undefined ? [] : [d.blob],
  );
  const text = await repo.textsOf(blobIds);
  const out = new Map<string, StoredResource | undefined>();
  for (const [k, d] of latest) {
    if (!d) {
      out.set(k, undefined);
      continue;
    }
    const s = fromDoc(d);
    if (d.blob !== undefined) s.json = d.json ?? text.get(d.blob);
    out.set(k, s);
  }
  return out;
}
