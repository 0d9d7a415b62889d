// Every query shape the search builds can use a declared MongoDB index (FerretDB scans, so this check is
// the evidence for production): each query is narrowed by an index beyond its type, or read in index order.
import { coverage, executeSearch, parseSearch, searchIndexes } from '../../src/search';
import { observations, others, patients } from './fixtures';
import { openTestStore, type TestStore } from './support';

const BASE = 'http://example.org/fhir';
let store: TestStore;

beforeAll(async () => {
  store = await openTestStore();
  await store.put([...patients, ...observations, ...others]);
});
afterAll(async () => store.close());

const SEARCHES: Array<[string, string]> = [
  ['Patient', ''],
  ['Patient', 'family=munoz'],
  ['Patient', 'family:exact=Muñoz&_sort=-birthdate'],
  ['Patient', 'name:contains=hass&_sort=family'],
  ['Patient', 'phonetic=Mohammed'],
  ['Patient', 'identifier=urn:oid:iom|IOM-001,urn:oid:iom|IOM-002'],
  ['Patient', 'identifier=urn:oid:iom|'],
  ['Patient', 'identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|PPN|UNHCR-9'],
  ['Patient', 'gender:not=male'],
  ['Patient', 'gender:in=http://hl7.org/fhir/ValueSet/administrative-gender'],
  ['Patient', 'birthdate:missing=true'],
  ['Patient', 'birthdate:missing=false'],
  ['Patient', 'birthdate=ge1990&_total=accurate'],
  ['Patient', 'birthdate=ne1990&_sort=_lastUpdated'],
  ['Patient', '_id=p1,p2'],
  ['Patient', '_lastUpdated=gt2024-01-02&_total=estimate'],
  ['Patient', '_tag=urn:tags|gbv&_sort=-_lastUpdated,_id'],
  ['Patient', '_has:Observation:subject:code=http://loinc.org|29463-7'],
  ['Patient', '_has:Observation:subject:_has:DiagnosticReport:result:status=final'],
  ['Patient', '_id=p3&_revinclude=Observation:subject'],
  ['Patient', '_sort=birthdate&_count=2'],
  ['Observation', 'subject:Patient.name=munoz&_include=Observation:subject'],
  ['Observation', 'patient.birthdate=1990&_sort=date'],
  ['Observation', 'value-quantity=5.4|http://unitsofmeasure.org|mg'],
  ['Observation', 'value-quantity=gt75||kg'],
  ['Observation', 'date=ap2024-02-02'],
  ['Observation', 'component-code-value-quantity=http://loinc.org|8480-6$gt100'],
  ['Observation', 'code-value-concept=http://loinc.org|72166-2$http://snomed.info/sct|8517006'],
  ['Observation', 'code:text=weight&_summary=count'],
  ['DiagnosticReport', '_include=DiagnosticReport:result&_include:iterate=Observation:subject'],
  ['ValueSet', 'url:below=http://hl7.org/fhir/'],
  ['ValueSet', 'url:above=http://hl7.org/fhir/ValueSet/x'],
  ['RiskAssessment', 'probability=gt0.5'],
];

describe('declared indexes', () => {
  it('are plain 1/-1 keys on scalar paths, few enough for one collection', () => {
    const indexes = searchIndexes();
    expect(indexes.length).toBeLessThanOrEqual(60);
    for (const i of indexes) {
      expect(Object.keys(i)[0]).toBe('type');
      for (const v of Object.values(i)) expect([1, -1]).toContain(v);
    }
  });

  it.each(SEARCHES)('cover every query of %s?%s', async (type, query) => {
    store.log.length = 0;
    const params = [...new URLSearchParams(query)] as Array<[string, string]>;
    const req = parseSearch(type, params, { strict: true, baseUrl: BASE, defaultCount: 20, maxCount: 100 });
    const result = await executeSearch(store, req);
    if (req.cursor === undefined && result.nextCursor) {
      await executeSearch(store, { ...req, cursor: result.nextCursor });
    }
    expect(store.log.length).toBeGreaterThan(0);
    for (const q of store.log) {
      const c = coverage(q.filter, q.sort);
      if (!(c.selective || c.sorted)) throw new Error(`not covered: ${JSON.stringify(q)}`);
    }
  });

  it('reports a sort on a parameter without an index as not served in order', () => {
    const c = coverage({ type: 'Patient', deleted: false }, [
      ['sort.address-city', 1],
      ['_id', 1],
    ]);
    expect(c).toEqual({ selective: false, sorted: false });
  });
});
