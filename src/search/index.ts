// FHIR search (search.html): the public surface of the search module, used by storage and the REST layer.
export { indexResource, type SearchIndex } from './extract';
export { parseSearch, splitOr, RESULT_PARAMETERS, TRANSPORT_PARAMETERS } from './parse';
export { formatSearchUrl, searchParams } from './format';
export { executeSearch } from './execute';
export { versionKeys, type KeyRange } from './keys';
export { searchsetBundle } from './bundle';
export { summarise } from './summary';
export { searchIndexes, coverage, covered, INDEXED_SORTS } from './mongo-indexes';
export {
  searchParameterRegistry,
  configureSearchParameters,
  buildRegistry,
  type SearchParamDef,
  type SearchParamType,
  type SearchParameterRegistry,
} from './registry';
export type {
  SearchRequest,
  Filter,
  ParamFilter,
  ChainFilter,
  HasFilter,
  IncludeParam,
  SortKey,
} from './request';
export type { SearchStore, SearchHooks, SearchResult, StoredRow, Entry } from './store';
export type { StoredIdx } from './types/common';
export { phoneticKeys } from './phonetic';
