// The current version of recently read or written resources, so that a read asks the database only whether a newer
// version exists: a lookup of `versions` by `_id` that finds nothing, where reading the view decodes its search keys
// (kilobytes, tens of fields on FerretDB). Versions are numbered without gaps and never removed once visible (but by
// an erasure, expunge.ts, which forgets the entry here), so "no version n + 1" proves that version n is still
// current, whichever server process wrote since.
import type { Collections, ResourceDoc, VersionDoc } from './collections';
import { versionKey } from './collections';
import type { Coalescer } from './coalesce';

/** What a read answers from: the view's head fields. */
export type Head = Pick<ResourceDoc, 'type' | 'id' | 'versionId' | 'lastUpdated' | 'deleted' | 'blob'>;

export class HeadCache {
  private readonly heads = new Map<string, Head>();

  /** `max`: the most resources remembered, least recently used first out; 0 turns the cache off. */
  constructor(private readonly max: number) {}

  /** Remembers `d` as the current version of its resource (a visible version only: not one of an open transaction). */
  set(d: ResourceDoc | VersionDoc | Head): void {
    if (this.max === 0) return;
    const key = `${d.type}/${d.id}`;
    const known = this.heads.get(key);
    if (known && known.versionId > d.versionId) return;
    const head: Head = {
      type: d.type,
      id: d.id,
      versionId: d.versionId,
      lastUpdated: d.lastUpdated,
      deleted: d.deleted,
    };
    if (d.blob !== undefined) head.blob = d.blob;
    this.heads.delete(key); // re-inserted: Map order is the recency order
    this.heads.set(key, head);
    if (this.heads.size > this.max) this.heads.delete(this.heads.keys().next().value!);
  }

  /** Forgets `type/id` (an erased resource: expunge.ts), whose versions did vanish. */
  forget(type: string, id: string): void {
    this.heads.delete(`${type}/${id}`);
  }

  /** The version remembered for `type/id`, unchecked: a floor for a probe upward (versions never vanish). */
  floor(type: string, id: string): number | undefined {
    return this.heads.get(`${type}/${id}`)?.versionId;
  }

  /** The remembered head of `type/id` if it is still the newest version, checked with one `_id` lookup. */
  async current(c: Collections, co: Coalescer, type: string, id: string): Promise<Head | undefined> {
    const head = this.heads.get(`${type}/${id}`);
    if (!head) return undefined;
    const next = await co.findById(c.versions, versionKey(type, id, head.versionId + 1), { _id: 1 });
    if (next) return undefined; // newer, or an open transaction's: the caller reads the view and the versions
    return head;
  }
}
