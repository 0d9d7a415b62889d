// Search execution against the real embedded FerretDB over a hand-made data set: every type, modifier and
// prefix, chains, _has, includes, sorting, keyset paging, totals and the access hook.
import {
  executeSearch,
  parseSearch,
  searchsetBundle,
  type SearchHooks,
  type SearchRequest,
} from '../../src/search';
import { OperationOutcomeError } from '../../src/fhir/outcome';
import { observations, others, patients } from './fixtures';
import { openTestStore, type TestStore } from './support';

const BASE = 'http://example.org/fhir';
let store: TestStore;

beforeAll(async () => {
  store = await openTestStore();
  await store.put([...patients, ...observations, ...others]);
});
afterAll(async () => store.close());

function parse(type: string | string[], query: string, strict = false): SearchRequest {
  const params = [...new URLSearchParams(query)] as Array<[string, string]>;
  return parseSearch(type, params, { strict, baseUrl: BASE, defaultCount: 50, maxCount: 200 });
}

async function ids(type: string | string[], query: string, hooks?: SearchHooks): Promise<string[]> {
  const r = await executeSearch(store, parse(type, query), hooks);
  return r.matches.map((m) => m.id);
}
const sorted = async (type: string, query: string, hooks?: SearchHooks): Promise<string[]> =>
  (await ids(type, query, hooks)).sort();

describe('string, token, date, quantity, reference on FerretDB', () => {
  it.each([
    ['family=munoz', ['p1']],
    ['family=MUÑ', ['p1']],
    ['family:exact=Muñoz', ['p1']],
    ['family:exact=munoz', []],
    ['name=hass', ['p3']],
    ['name:contains=hass', ['p2', 'p3']],
    ['address-city=geneve', ['p1']],
    ['family=munoz,youssef', ['p1', 'p4']],
    ['birthdate=1990', ['p2', 'p3']],
    ['birthdate=1990-06', ['p3']],
    ['birthdate=ge1990-06', ['p2', 'p3', 'p4']],
    ['birthdate=lt1990-06', ['p1', 'p2']],
    ['birthdate=sa1990', ['p4']],
    ['birthdate=eb1990', ['p1']],
    ['birthdate=ne1990', ['p1', 'p4']],
    ['birthdate=ge1990&birthdate=le1990-12', ['p2', 'p3']],
    ['birthdate:missing=true', ['p5']],
    ['gender=male,female', ['p1', 'p2', 'p3', 'p4']],
    ['gender:not=male', ['p4', 'p5']],
    ['gender:not=male,female', ['p5']], // none of them, not "not male or not female"
    ['gender:not=male&gender:not=female', ['p5']],
    [
      'gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender,http://hl7.org/fhir/ValueSet/days-of-week',
      [],
    ],
    ['identifier=urn:oid:iom|IOM-001', ['p1']],
    ['identifier=IOM-002', ['p2']],
    ['identifier=|IOM-001', []],
    ['identifier=urn:oid:iom|', ['p1', 'p2']],
    ['identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|PPN|UNHCR-9', ['p4']],
    ['phonetic=Muhammad', ['p2', 'p3']],
    ['phonetic=Abdurrahman', ['p5']],
    ['_tag=urn:tags|gbv', ['p1']],
    ['_id=p1,p3', ['p1', 'p3']],
    ['_lastUpdated=ge2024-01-04', ['p4', 'p5']],
    ['_lastUpdated=lt2024-01-02', ['p1']],
  ])('Patient?%s', async (query, expected) => {
    expect(await sorted('Patient', query)).toEqual(expected);
  });

  it.each([
    ['code=http://loinc.org|8867-4', ['o1']],
    ['value-quantity=72', ['o1']],
    ['value-quantity=72|http://unitsofmeasure.org|kg', ['o2']],
    ['value-quantity=gt75|http://unitsofmeasure.org|kg', ['o3']],
    ['value-quantity=5.4|http://unitsofmeasure.org|mg', ['o5']],
    ['value-quantity=72||/min', ['o1']],
    ['date=2024-02-02', ['o3']],
    ['date=ge2024-02-02', ['o2', 'o3', 'o5']],
    ['date=2024-01-01', ['o4']],
    ['date=2023', []],
    ['date=lt2024-01-15T09:30:00Z', ['o1', 'o4', 'o5']],
    ['subject=Patient/p1', ['o1', 'o2']],
    [`subject=${BASE}/Patient/p1`, ['o1', 'o2']],
    ['subject=p1', ['o1', 'o2']],
    ['subject:Patient=p2', ['o3']],
    ['patient=p4', ['o5']],
    ['status=final&code=http://loinc.org|29463-7', ['o2']],
    ['component-code-value-quantity=http://loinc.org|8480-6$gt100', ['o4']],
    ['component-code-value-quantity=http://loinc.org|8462-4$gt100', []],
    ['code-value-quantity=http://loinc.org|29463-7$72|http://unitsofmeasure.org|kg', ['o2']],
  ])('Observation?%s', async (query, expected) => {
    expect(await sorted('Observation', query)).toEqual(expected);
  });
});

describe('chaining and _has', () => {
  it.each([
    ['Observation', 'subject:Patient.name=munoz', ['o1', 'o2']],
    ['Observation', 'patient.birthdate=1990', ['o3', 'o4']],
    ['Observation', 'subject:Patient.identifier=IOM-002', ['o3']],
    ['Immunization', 'patient.identifier=urn:oid:iom|IOM-002', ['i1']],
    ['DiagnosticReport', 'result.subject:Patient.family=hassan', ['dr1']],
    ['Patient', '_has:Observation:subject:code=http://loinc.org|29463-7', ['p1', 'p2']],
    ['Patient', '_has:Observation:subject:_has:DiagnosticReport:result:status=final', ['p3']],
    ['Patient', '_has:Observation:subject:date=ge2024-02-02', ['p1', 'p2', 'p4']],
  ])('%s?%s', async (type, query, expected) => {
    expect(await sorted(type, query)).toEqual(expected);
  });
  it('limits the chain depth', () => {
    expect(() => parse('Observation', 'subject:Patient.organization.partof.partof.name=x')).toThrow(
      /chained links/,
    );
  });
});

describe('sorting, paging, totals', () => {
  it('sorts on several keys; resources lacking the value come last in both directions', async () => {
    expect(await ids('Patient', '_sort=birthdate')).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(await ids('Patient', '_sort=-birthdate')).toEqual(['p4', 'p2', 'p3', 'p1', 'p5']);
    expect(await ids('Patient', '_sort=family')).toEqual(['p2', 'p3', 'p1', 'p5', 'p4']);
    expect(await ids('Patient', '_sort=gender,-_lastUpdated')).toEqual(['p4', 'p3', 'p2', 'p1', 'p5']);
  });

  it('pages with keyset cursors that stay correct while resources arrive', async () => {
    const req = parse('Patient', '_sort=birthdate&_count=2&_total=accurate');
    const page1 = await executeSearch(store, req);
    expect(page1.matches.map((m) => m.id)).toEqual(['p1', 'p2']);
    expect(page1.total).toBe(5);
    expect(page1.prevCursor).toBeUndefined();
    // A patient that sorts before the cursor arrives between the pages: no duplicate, nothing skipped.
    await store.put([
      { resourceType: 'Patient', id: 'p6', birthDate: '1985', meta: { lastUpdated: '2024-01-06T00:00:00Z' } },
    ]);
    const page2 = await executeSearch(store, { ...req, cursor: page1.nextCursor ?? '' });
    expect(page2.matches.map((m) => m.id)).toEqual(['p3', 'p4']);
    const page3 = await executeSearch(store, { ...req, cursor: page2.nextCursor ?? '' });
    expect(page3.matches.map((m) => m.id)).toEqual(['p5']);
    expect(page3.nextCursor).toBeUndefined();
    const back = await executeSearch(store, { ...req, cursor: page2.prevCursor ?? '' });
    expect(back.matches.map((m) => m.id)).toEqual(['p6', 'p2']);
    await store.remove('Patient', 'p6');
    await expect(executeSearch(store, { ...req, cursor: 'garbage' })).rejects.toThrow(OperationOutcomeError);
  });

  it('counts with the exact test when two bounds are involved', async () => {
    const r = await executeSearch(store, parse('Observation', 'date=ge2024-02-02&_total=accurate&_count=1'));
    expect(r.total).toBe(3);
    expect(r.matches).toHaveLength(1);
    const c = await executeSearch(store, parse('Observation', 'date=2024-01&_summary=count'));
    expect(c).toMatchObject({ total: 2, matches: [] }); // o1 and o4 (2024-01-01T01:30Z)
  });

  it('leaves deleted resources out', async () => {
    await store.put([{ resourceType: 'Patient', id: 'gone', name: [{ family: 'Munozz' }] }]);
    expect(await sorted('Patient', 'family=munoz')).toEqual(['gone', 'p1']);
    await store.remove('Patient', 'gone');
    expect(await sorted('Patient', 'family=munoz')).toEqual(['p1']);
  });
});

describe('_include and _revinclude', () => {
  it('includes referenced and referencing resources, with :iterate and *', async () => {
    const a = await executeSearch(
      store,
      parse('Observation', 'code=http://loinc.org|29463-7&_include=Observation:subject'),
    );
    expect(a.matches.map((m) => m.id).sort()).toEqual(['o2', 'o3']);
    expect(a.includes.map((m) => m.id).sort()).toEqual(['p1', 'p2']);
    const b = await executeSearch(store, parse('Patient', '_id=p3&_revinclude=Observation:subject'));
    expect(b.includes.map((m) => m.id)).toEqual(['o4']);
    const c = await executeSearch(
      store,
      parse('DiagnosticReport', '_include=DiagnosticReport:result&_include:iterate=Observation:subject'),
    );
    expect(c.includes.map((m) => `${m.type}/${m.id}`).sort()).toEqual(['Observation/o4', 'Patient/p3']);
    const d = await executeSearch(store, parse('DiagnosticReport', '_include=*'));
    expect(d.includes.map((m) => `${m.type}/${m.id}`).sort()).toEqual(['Observation/o4', 'Patient/p3']);
  });
});

describe('_revinclude=*', () => {
  it('includes every resource that references a match, through any reference parameter', async () => {
    const a = await executeSearch(store, parse('Patient', '_id=p3&_revinclude=*'));
    expect(a.includes.map((m) => `${m.type}/${m.id}`).sort()).toEqual([
      'DiagnosticReport/dr1',
      'Observation/o4',
    ]);
    const b = await executeSearch(store, parse('Patient', '_id=p2&_revinclude=*'));
    expect(b.includes.map((m) => `${m.type}/${m.id}`).sort()).toEqual(['Immunization/i1', 'Observation/o3']);
  });
  it('follows :iterate and goes through the access hook for every source type', async () => {
    await store.put([
      {
        resourceType: 'Provenance',
        id: 'pv1',
        target: [{ reference: 'DiagnosticReport/dr1' }],
        recorded: '2024-01-01T00:00:00Z',
        agent: [{ who: { reference: 'Practitioner/x' } }],
      },
    ]);
    try {
      const once = await executeSearch(store, parse('Observation', '_id=o4&_revinclude=*'));
      expect(once.includes.map((m) => `${m.type}/${m.id}`)).toEqual(['DiagnosticReport/dr1']);
      const it2 = await executeSearch(store, parse('Observation', '_id=o4&_revinclude:iterate=*'));
      expect(it2.includes.map((m) => `${m.type}/${m.id}`).sort()).toEqual([
        'DiagnosticReport/dr1',
        'Provenance/pv1',
      ]);
      const seen: string[] = [];
      const hidden: SearchHooks = {
        constrain: (type, f) => {
          seen.push(type);
          return type === 'Provenance' ? { $and: [f, { $nor: [{ id: 'pv1' }] }] } : f;
        },
      };
      const h = await executeSearch(store, parse('Observation', '_id=o4&_revinclude:iterate=*'), hidden);
      expect(h.includes.map((m) => `${m.type}/${m.id}`)).toEqual(['DiagnosticReport/dr1']);
      expect(seen).toEqual(expect.arrayContaining(['Observation', 'DiagnosticReport', 'Provenance']));
    } finally {
      await store.remove('Provenance', 'pv1');
    }
  });
});

describe('the access hook constrains every query', () => {
  // Hides Patient/p2 everywhere: matches, includes, chains, _has and totals.
  const hooks: SearchHooks = {
    constrain: (type, filter) => (type === 'Patient' ? { $and: [filter, { $nor: [{ id: 'p2' }] }] } : filter),
  };
  it('hides the resource from matches, totals, includes, chains and _has', async () => {
    expect(await sorted('Patient', 'gender=male', hooks)).toEqual(['p1', 'p3']);
    const t = await executeSearch(store, parse('Patient', 'gender=male&_total=accurate'), hooks);
    expect(t.total).toBe(2);
    const inc = await executeSearch(
      store,
      parse('Observation', 'code=http://loinc.org|29463-7&_include=Observation:subject'),
      hooks,
    );
    expect(inc.includes.map((m) => m.id)).toEqual(['p1']);
    expect(await sorted('Observation', 'subject:Patient.identifier=IOM-002', hooks)).toEqual([]);
    const hidden: SearchHooks = {
      constrain: (type, f) => (type === 'Observation' ? { $and: [f, { $nor: [{ id: 'o3' }] }] } : f),
    };
    expect(await sorted('Patient', '_has:Observation:subject:code=http://loinc.org|29463-7', hidden)).toEqual(
      ['p1'],
    );
    const rev = await executeSearch(
      store,
      parse('Patient', '_id=p2&_revinclude=Observation:subject'),
      hidden,
    );
    expect(rev.includes).toEqual([]);
  });
});

describe('system search, errors and the Bundle', () => {
  it('searches several types with _type', async () => {
    const req = parse([], '_type=Patient,Immunization&_lastUpdated=lt2024-01-02');
    expect(req.system).toBe(true);
    const r = await executeSearch(store, req);
    expect(r.matches.map((m) => `${m.type}/${m.id}`)).toEqual(['Patient/p1']);
  });
  it('reports malformed values naming the parameter, and unknown ones only when strict', () => {
    expect(() => parse('Patient', 'birthdate=19x0')).toThrow(/birthdate/);
    expect(() => parse('Patient', 'gender:exact=male')).toThrow(/gender/);
    expect(() => parse('Patient', '_count=abc')).toThrow(/_count/);
    expect(parse('Patient', 'foo=bar&family=x').ignored).toEqual(['foo']);
    expect(() => parse('Patient', 'foo=bar', true)).toThrow(/foo/);
    expect(() => parse('Location', 'near=1|2|3|km')).toThrow(/not supported/);
  });
  it('builds a searchset Bundle with normalised self and next links', async () => {
    const req = parse(
      'Patient',
      'foo=1&family=munoz,hassan&_count=1&_total=accurate&_include=Patient:organization',
    );
    const result = await executeSearch(store, req);
    const bundle = searchsetBundle(BASE, req, result);
    expect(bundle.total).toBe(2);
    expect(bundle.link?.[0]).toEqual({
      relation: 'self',
      url: `${BASE}/Patient?family=munoz,hassan&_count=1&_total=accurate&_include=Patient:organization`,
    });
    expect(bundle.link?.[1]?.relation).toBe('next');
    expect(bundle.entry?.[0]).toMatchObject({ fullUrl: `${BASE}/Patient/p1`, search: { mode: 'match' } });
    const next = new URL(bundle.link?.[1]?.url ?? '');
    const r2 = await executeSearch(store, parse('Patient', next.search.slice(1)));
    expect(r2.matches.map((m) => m.id)).toEqual(['p3']);
  });
  it('applies _summary and _elements', async () => {
    const req = parse('Patient', '_id=p1&_elements=birthDate');
    const bundle = searchsetBundle(BASE, req, await executeSearch(store, req));
    const p = bundle.entry?.[0]?.resource as unknown as Record<string, unknown>;
    expect(Object.keys(p).sort()).toEqual(['birthDate', 'id', 'meta', 'resourceType']);
  });
});
