// The typed search request (search.html): what parseSearch produces and executeSearch and formatSearchUrl read.

/** One search parameter use: `name[:modifier]=v1,v2` (the values are OR, several filters are AND). */
export interface ParamFilter {
  kind: 'param';
  code: string;
  modifier?: string;
  /** OR members, with `\,` already resolved (other escapes are kept for the type modules). */
  values: string[];
}

/** `ref[:Type].<next>` (search.html#chaining): resources whose reference points to one matching `next`. */
export interface ChainFilter {
  kind: 'chain';
  code: string;
  /** The `:[type]` of the link, when given. */
  targetType?: string;
  next: Filter;
}

/** `_has:Type:ref:<next>` (search.html#has): resources referenced by a `Type` matching `next` through `ref`. */
export interface HasFilter {
  kind: 'has';
  type: string;
  reference: string;
  next: Filter;
}

export type Filter = ParamFilter | ChainFilter | HasFilter;

export interface IncludeParam {
  /** `_include:iterate` / `_revinclude:iterate`. */
  iterate: boolean;
  sourceType: string;
  /** `*`: every reference parameter of the source type. */
  code: string;
  targetType?: string;
}

export interface SortKey {
  code: string;
  descending: boolean;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

export interface SearchRequest {
  /** One type for a type-level search; several (or every type) for `_type` at system level. */
  types: string[];
  /** True for a system-level search (`GET [base]?_type=...`): formatted without a type in the path. */
  system: boolean;
  filters: Filter[];
  sort: SortKey[];
  count: number;
  total: TotalMode;
  summary?: SummaryMode;
  elements?: string[];
  include: IncludeParam[];
  revinclude: IncludeParam[];
  /** The opaque keyset cursor of a `next`/`previous` page. */
  cursor?: string;
  baseUrl: string;
  /** Parameters that were ignored (unknown or unsupported, lenient handling). */
  ignored: string[];
}

export interface ParseOptions {
  strict: boolean;
  baseUrl: string;
  defaultCount: number;
  maxCount: number;
  /** How many chained links one parameter may have (`a.b.c` is 2); default 3. */
  maxChainDepth?: number;
  /** The cost bounds of one search (limits.ts); each has a default. */
  maxParameters?: number;
  maxValues?: number;
  maxValueLength?: number;
}
