// The label step's lookups inside a transaction Bundle (http.html#transaction; security/labels.ts): a resource the
// same transaction writes answers with the labels of its new version, any other with its current version's. An entry
// prepared before an entry it references must be prepared again once that one's labels are known (`stale`).
import type { FhirRepository, LabelsOf, Prepared, SecurityLabel, StoredResource } from '../storage';

const signature = (labels: SecurityLabel[]): string =>
  labels
    .map((l) => `${l.system ?? ''}|${l.code ?? ''}`)
    .sort()
    .join(' ');

function securityOf(json: string | undefined): SecurityLabel[] {
  if (json === undefined) return [];
  const meta = (JSON.parse(json) as { meta?: { security?: unknown } }).meta;
  return Array.isArray(meta?.security) ? (meta.security as SecurityLabel[]) : [];
}

export class TransactionLabels {
  /** Current versions' labels, by `Type/id`: the transaction's targets (read already) and what entries referenced. */
  private readonly stored = new Map<string, SecurityLabel[]>();
  /** Labels of the versions this transaction prepared, by `Type/id`. */
  private readonly written = new Map<string, SecurityLabel[]>();
  /** Per entry index: what each lookup answered it (key -> signature). */
  private readonly seen = new Map<number, Map<string, string>>();

  constructor(
    private readonly repo: FhirRepository,
    current: Map<string, StoredResource | undefined>,
    /** Targets of creates: new ids, with no stored version to ask for. */
    fresh: Iterable<string>,
  ) {
    for (const [key, cur] of current) this.stored.set(key, cur && !cur.deleted ? securityOf(cur.json) : []);
    for (const key of fresh) this.stored.set(key, []);
  }

  private answer(key: string): SecurityLabel[] {
    return this.written.get(key) ?? this.stored.get(key) ?? [];
  }

  /** The lookup for one entry's label step; current versions it has not seen yet are read in one batch. */
  lookupFor(index: number): LabelsOf {
    return async (keys) => {
      const misses = keys.filter((k) => !this.written.has(k) && !this.stored.has(k));
      if (misses.length > 0) {
        for (const [key, cur] of await this.repo.currentMany(misses))
          this.stored.set(key, cur && !cur.deleted ? securityOf(cur.json) : []);
      }
      const seen = new Map<string, string>();
      this.seen.set(index, seen);
      const out = new Map<string, SecurityLabel[]>();
      for (const key of keys) {
        const labels = this.answer(key);
        out.set(key, labels);
        seen.set(key, signature(labels));
      }
      return out;
    };
  }

  /** Records the labels of the version an entry prepared (none for a delete, or nothing to write). */
  record(key: string, prepared: Prepared): void {
    if (prepared.doc) this.written.set(key, securityOf(prepared.json));
  }

  /** Whether an entry's label step saw labels that have changed since (an entry it references was prepared later). */
  stale(index: number): boolean {
    const seen = this.seen.get(index);
    if (!seen) return false;
    for (const [key, sig] of seen) if (signature(this.answer(key)) !== sig) return true;
    return false;
  }
}
