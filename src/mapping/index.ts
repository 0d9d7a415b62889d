// The e-PHR -> FHIR mapping: pure functions over records and the rules in mappings/ (docs ephr-and-gbv.md 5.3).
export { mapRecord, type MapResult } from './record';
export { validateRecord } from './validate';
export { parseCsv, parseCsvRows } from './csv';
export { recordsFrom } from './records-from';
