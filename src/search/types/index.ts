// The per-type search modules, one per SearchParameter type (search.html#ptypes).
import type { SearchParamType } from '../registry';
import type { Extractor } from './common';
import { extractComposite } from './composite';
import { extractDate } from './date';
import { extractNumber } from './number';
import { extractQuantity } from './quantity';
import { extractReference } from './reference';
import { extractSpecial } from './special';
import { extractString } from './string';
import { extractToken } from './token';
import { extractUri } from './uri';

export const extractors: Record<SearchParamType, Extractor> = {
  string: extractString,
  token: extractToken,
  reference: extractReference,
  date: extractDate,
  number: extractNumber,
  quantity: extractQuantity,
  uri: extractUri,
  composite: extractComposite,
  special: extractSpecial,
};

/** Types whose parameters can be used in `_sort`. */
export const SORTABLE: ReadonlySet<SearchParamType> = new Set([
  'string',
  'token',
  'reference',
  'date',
  'number',
  'quantity',
  'uri',
]);
