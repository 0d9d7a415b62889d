// Resource texts kept in memory by blob id, so that a read costs one database command (the current view) instead of
// two. A blob never changes once written (every version has its own), so a cached text is never stale, whichever
// server process wrote it. Bounded by size, least recently used first out; a size of 0 turns it off.
export class BlobCache {
  private readonly texts = new Map<string, string>();
  private size = 0;

  /** `maxChars`: the most characters held in all (about the bytes of the JSON texts). */
  constructor(private readonly maxChars: number) {}

  get(blob: string): string | undefined {
    const text = this.texts.get(blob);
    if (text !== undefined) {
      this.texts.delete(blob); // re-inserted: Map order is the recency order
      this.texts.set(blob, text);
    }
    return text;
  }

  set(blob: string, text: string): void {
    // One text may take at most a tenth, so that a few large Bundles do not push out everything else.
    if (text.length > this.maxChars / 10 || this.texts.has(blob)) return;
    this.texts.set(blob, text);
    this.size += text.length;
    for (const [oldest, old] of this.texts) {
      if (this.size <= this.maxChars) break;
      this.texts.delete(oldest);
      this.size -= old.length;
    }
  }

  /** Drops a text (of an erased resource: expunge.ts). */
  forget(blob: string): void {
    const text = this.texts.get(blob);
    if (text === undefined) return;
    this.texts.delete(blob);
    this.size -= text.length;
  }

  /** Texts of `blobs` from the cache, the rest fetched with `fetch` and kept. */
  async getMany(
    blobs: string[],
    fetch: (missing: string[]) => Promise<Array<{ _id: string; json: string }>>,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const b of blobs) {
      const t = this.get(b);
      if (t === undefined) missing.push(b);
      else out.set(b, t);
    }
    if (missing.length > 0) {
      for (const d of await fetch([...new Set(missing)])) {
        out.set(d._id, d.json);
        this.set(d._id, d.json);
      }
    }
    return out;
  }
}
