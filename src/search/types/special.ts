// special parameters (search.html#special): `near` needs geometry, which this server does not index.
import { notSupported } from '../../fhir/outcome';
import type { SearchParamDef } from '../registry';
import type { Extractor, Predicate } from './common';

export const extractSpecial: Extractor = () => undefined;

export function specialPredicate(def: SearchParamDef): Predicate {
  throw notSupported(400, `The special search parameter '${def.code}' (${def.url}) is not supported`);
}
