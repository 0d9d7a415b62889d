// Parsing search parameters into a SearchRequest and formatting it back (search.html#escaping, #self).
import { formatSearchUrl, parseSearch, splitOr } from '../../src/search';

const OPTS = { strict: false, baseUrl: 'http://x/fhir', defaultCount: 20, maxCount: 100 };
const parse = (type: string, query: string): ReturnType<typeof parseSearch> =>
  parseSearch(type, [...new URLSearchParams(query)] as Array<[string, string]>, OPTS);

describe('parseSearch', () => {
  it('splits OR at unescaped commas and keeps \\| and \\$ for the type modules', () => {
    expect(splitOr('a,b\\,c,d\\|e')).toEqual(['a', 'b,c', 'd\\|e']);
    const req = parse('Patient', 'family=a\\,b,c&family=d');
    expect(req.filters).toEqual([
      { kind: 'param', code: 'family', values: ['a,b', 'c'] },
      { kind: 'param', code: 'family', values: ['d'] },
    ]);
  });
  it('reads chains, _has, result parameters and caps _count', () => {
    const req = parse(
      'Observation',
      'subject:Patient.name=x&_has:Provenance:target:agent=Practitioner/1&_sort=-date,_id&_count=500&_total=estimate&_summary=true&_elements=code,subject&_include:iterate=Observation:subject',
    );
    expect(req.filters[0]).toEqual({
      kind: 'chain',
      code: 'subject',
      targetType: 'Patient',
      next: { kind: 'param', code: 'name', values: ['x'] },
    });
    expect(req.filters[1]).toMatchObject({ kind: 'has', type: 'Provenance', reference: 'target' });
    expect(req.sort).toEqual([
      { code: 'date', descending: true },
      { code: '_id', descending: false },
    ]);
    expect(req).toMatchObject({
      count: 100,
      total: 'estimate',
      summary: 'true',
      elements: ['code', 'subject'],
    });
    expect(req.include).toEqual([{ iterate: true, sourceType: 'Observation', code: 'subject' }]);
  });
  it('rejects bad values naming the parameter', () => {
    expect(() => parse('Patient', '_total=all')).toThrow(/_total/);
    expect(() => parse('Patient', '_sort=address-foo')).not.toThrow(); // unknown: ignored when lenient
    expect(() => parse('Observation', '_sort=code-value-quantity')).toThrow(/cannot be sorted/);
    expect(() => parse('Patient', '_include=Patient:name')).toThrow(/_include/);
    expect(() => parse('Patient', 'general-practitioner:Patient=1')).toThrow(/not a target/);
  });
  it('limits chains by maxChainDepth, naming the whole parameter', () => {
    const params: Array<[string, string]> = [['subject:Patient.organization.name', 'x']];
    const at = (maxChainDepth: number): unknown => {
      try {
        return parseSearch('Observation', params, { ...OPTS, maxChainDepth });
      } catch (e) {
        return e;
      }
    };
    expect(at(2)).toMatchObject({ filters: [{ kind: 'chain', code: 'subject' }] });
    expect(at(1)).toMatchObject({
      status: 400,
      issues: [{ expression: ['subject:Patient.organization.name'] }],
    });
  });
});

describe('formatSearchUrl', () => {
  it('round-trips: the self link parses to the same request', () => {
    const query =
      'family=a\\,b,c&birthdate=ge1990&identifier=urn:oid:x|1&_has:Observation:subject:code=http://loinc.org|1&_sort=-birthdate&_count=5';
    const req = parse('Patient', query);
    const url = new URL(formatSearchUrl('http://x/fhir', req));
    expect(url.pathname).toBe('/fhir/Patient');
    const again = parse('Patient', url.search.slice(1));
    expect(again.filters).toEqual(req.filters);
    expect(again.sort).toEqual(req.sort);
    expect(again.count).toBe(5);
  });
});
