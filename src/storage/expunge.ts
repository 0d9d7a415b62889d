// Erasure of one resource for good (`$expunge` at instance level, issue 20 point 8): every version, its blobs, the
// current view, its keys in the ordered search index, the journal entries and identifier claims naming it, its place
// in transaction commit records, and what this process keeps in memory of it. The audit trail is not touched (it
// holds references only). Not for a resource being written at the same time: a write racing the erasure may leave
// its own version behind.
import type { Resource } from 'fhir/r4';
import { versionKeys } from '../search';
import { versionKey } from './collections';
import { prefixRange } from './implied-id';
import { deleteKeys } from './keys';
import type { Repository } from './repository';

/** Removes everything stored of `type/id`; returns how many versions it removed (0: there was nothing). */
export async function expunge(r: Repository, type: string, id: string): Promise<number> {
  const c = r.c;
  const versions = await c.versions.find({ type, id }).toArray();
  const view = await c.resources.findOne({ _id: `${type}/${id}` }, { projection: { _id: 1 } });
  // Every version's keys, as its write made them (the current version's are live; older ones' may be left by a
  // crash); a text in a blob of its own is read once more for them.
  const keys: string[] = [];
  const blobs: string[] = [];
  for (const v of versions) {
    if (v.blob !== undefined && v.blob !== v._id) blobs.push(v.blob);
    const json = v.deleted ? undefined : await r.textOf(v).catch(() => undefined);
    if (json !== undefined)
      keys.push(...versionKeys(type, id, v.versionId, r.indexOf(JSON.parse(json) as Resource)));
  }
  // Search first (nothing finds it any more), then the view and the versions, then what points at them.
  await deleteKeys(c, keys);
  await c.resources.deleteOne({ _id: `${type}/${id}` });
  const ids = versions.map((v) => v._id);
  if (ids.length > 0) await c.versions.deleteMany({ _id: { $in: ids } });
  if (blobs.length > 0) await c.blobs.deleteMany({ _id: { $in: blobs } });
  await c.journal.deleteMany({ _id: prefixRange(`write:${type}/${id}:`) });
  await c.locks.deleteMany({ target: `${type}/${id}` });
  for (const txn of new Set(versions.flatMap((v) => (v.txn === undefined ? [] : [v.txn])))) {
    const record = await c.transactions.findOne({ _id: txn });
    if (!record) continue;
    const kept = record.versions.filter((k) => !ids.includes(k) && !k.startsWith(`${type}/${id}/`));
    if (kept.length !== record.versions.length)
      await c.transactions.replaceOne({ _id: txn }, { ...record, versions: kept });
  }
  r.heads.forget(type, id);
  for (const v of versions) r.texts.forget(v.blob ?? versionKey(type, id, v.versionId));
  return versions.length === 0 && !view ? 0 : versions.length;
}
