// Every query shape the search builds can use a declared MongoDB index (FerretDB scans, so this check is
// the evidence for production): each query's filter bounds the leading key(s) of a declared index, and is
// narrowed by it beyond its type, read in its order, or asks for the whole type (a count, a negation).
import { compartmentHook } from '../../src/interactions/compartment';
import {
  coverage,
  covered,
  executeSearch,
  parseSearch,
  searchIndexes,
  type SearchHooks,
} from '../../src/search';
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
  ['Patient', '_id=p3&_revinclude=*'],
  ['Patient', '_id=p3&_revinclude:iterate=*&_include=*'],
  ['Patient', 'gender:not=male,female&_total=accurate'],
  ['Patient', '_summary=count'],
  ['Observation', 'subject:Patient.identifier=IOM-002&_summary=count'],
  // system level
  ['', '_type=Patient,Immunization&_lastUpdated=lt2024-01-02'],
  ['', '_type=Patient,Observation&_count=2'],
  ['', '_type=Patient,Observation&_summary=count'],
];

/** The constraint a compartment search adds on every query of its type. */
function compartmentHooks(type: string, id: string): SearchHooks {
  const constrain = compartmentHook(type, id);
  if (!constrain) throw new Error(`${type} is not in the Patient compartment`);
  return { constrain };
}
const COMPARTMENT_SEARCHES: Array<[string, string]> = [
  ['Observation', ''],
  ['Observation', 'code=http://loinc.org|29463-7&_sort=date'],
  ['Observation', '_count=1&_total=accurate'],
  ['Patient', ''],
  ['DiagnosticReport', '_include=DiagnosticReport:result'],
];

async function queriesOf(type: string, query: string, hooks?: SearchHooks): Promise<void> {
  store.log.length = 0;
  const params = [...new URLSearchParams(query)] as Array<[string, string]>;
  const req = parseSearch(type === '' ? [] : type, params, {
    strict: true,
    baseUrl: BASE,
    defaultCount: 20,
    maxCount: 100,
  });
  const result = await executeSearch(store, req, hooks);
  if (req.cursor === undefined && result.nextCursor) {
    await executeSearch(store, { ...req, cursor: result.nextCursor }, hooks);
  }
  expect(store.log.length).toBeGreaterThan(0);
  for (const q of store.log) {
    if (!covered(coverage(q.filter, q.sort))) throw new Error(`not covered: ${JSON.stringify(q)}`);
  }
}

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
    await queriesOf(type, query);
  });

  it.each(COMPARTMENT_SEARCHES)('cover every query of Patient/p3/%s?%s', async (type, query) => {
    await queriesOf(type, query, compartmentHooks(type, 'p3'));
  });

  it('reports a sort on a parameter without an index as not served in order', () => {
    const c = coverage({ type: 'Patient', deleted: false }, [
      ['sort.address-city', 1],
      ['_id', 1],
    ]);
    expect(c).toMatchObject({ usable: true, selective: false, sorted: false });
    expect(covered(c)).toBe(false);
  });

  it('does not take a query without a sort as covered', () => {
    // A condition no index leads with: only the type bounds the scan.
    const unindexed = { type: 'Patient', deleted: false, lastUpdated: { $gt: new Date(0) } };
    expect(covered(coverage(unindexed, undefined))).toBe(false);
    // No type: no declared index can be used at all.
    expect(coverage({ 'idx.k': 'family|x' }, undefined)).toMatchObject({ usable: false });
    expect(covered(coverage({ type: 'Patient', deleted: false, 'idx.k': 'family|x' }, undefined))).toBe(true);
    // An $or is covered when every branch is.
    const both = {
      $or: [
        { type: 'Patient', 'idx.k': 'a|b' },
        { type: 'Group', member: 'x' },
      ],
    };
    expect(covered(coverage(both, undefined))).toBe(false);
    expect(
      covered(
        coverage(
          {
            $or: [
              { type: 'Patient', 'idx.k': 'a|b' },
              { type: 'Group', id: 'x' },
            ],
          },
          undefined,
        ),
      ),
    ).toBe(true);
  });
});
