// Shared shapes of the per-type search modules: index entries written at write time, predicates read at search.
import type { SearchParamDef } from '../registry';

/**
 * The `idx` sub-document of a stored resource. Every value is an array of strings (FerretDB and MongoDB
 * both index and compare these the same way); each entry starts with the parameter code:
 * - `k`: equality and prefix entries, `code[:kind]|value` (strings, tokens, references, uris, composites);
 * - `r`: ranges ordered by their low end, `code|<unit>|LOW|HIGH` (dates, numbers, quantities);
 * - `rh`: the same date ranges ordered by their high end, `code|HIGH|LOW`;
 * - `p`: the codes that have at least one value (for `:missing`).
 */
export interface StoredIdx {
  k?: string[];
  r?: string[];
  rh?: string[];
  p?: string[];
}

export class IndexSink {
  readonly k = new Set<string>();
  readonly r = new Set<string>();
  readonly rh = new Set<string>();
  readonly p = new Set<string>();
  /** Sort values per code: the smallest and largest comparable string of the resource. */
  readonly sortMin = new Map<string, string>();
  readonly sortMax = new Map<string, string>();

  sortValue(code: string, value: string): void {
    const min = this.sortMin.get(code);
    if (min === undefined || value < min) this.sortMin.set(code, value);
    const max = this.sortMax.get(code);
    if (max === undefined || value > max) this.sortMax.set(code, value);
  }
}

/**
 * A condition on stored documents: a MongoDB filter, plus, when the filter alone may over-match (two bounds
 * on one array can be met by two different entries, and `$elemMatch` is not available), an exact test run
 * in the application on the candidates' stored `idx`.
 */
export interface Predicate {
  filter: Record<string, unknown>;
  test?: (doc: StoredDoc) => boolean;
}

export interface StoredDoc {
  id?: string;
  idx?: StoredIdx;
}

/** A parsed value of one search parameter: its prefix (for ordered types) and raw text. */
export interface SearchValue {
  prefix?: Prefix;
  value: string;
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
export const PREFIXES: readonly Prefix[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

export interface ExtractContext {
  /** Our own base URL: absolute references to it are indexed as relative ones. */
  baseUrl?: string;
  /** The longest string an index entry may hold (MAX_INDEXED_STRING_LENGTH); longer: 422 `too-long`. */
  maxStringLength?: number;
}

/** The part of every type module the extractor calls: values from the expression into index entries. */
export type Extractor = (
  def: SearchParamDef,
  values: unknown[],
  sink: IndexSink,
  ctx: ExtractContext,
) => void;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The upper guard that keeps a range query inside one code's entries (`~` sorts after every entry character used). */
export const GUARD = '~';

/** Entry values of a stored array, for tests. */
export const entries = (doc: StoredDoc, key: keyof StoredIdx): string[] => doc.idx?.[key] ?? [];
