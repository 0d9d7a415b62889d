// Search over HTTP, type by type: every modifier and prefix on a small hand-made data set
// (tests/search/modifier-fixtures.ts), with the expected ids worked out from the R4 rules (search.html),
// then the common parameters (_profile, _security, _source, _tag, _type) and the result parameters
// (_summary, _elements, _total).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { all, CONFIDENTIALITY, CORE_PATIENT, EPHR, LOINC, UCUM, V2_0203 } from '../search/modifier-fixtures';

let s: TestServer;
const FHIR = 'application/fhir+json';
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

interface Entry {
  resource: { resourceType: string; id: string } & Record<string, unknown>;
  search: { mode: string };
}

const get = (path: string) => request(s.url).get(`/fhir/${path}`);
/** The ids of the matches, sorted; `Type/id` for a search over several types. */
async function ids(path: string, typed = false): Promise<string[]> {
  const sep = path.includes('?') ? '&' : '?';
  const res = await get(`${path}${sep}_count=100`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
  return ((res.body.entry ?? []) as Entry[])
    .filter((e) => e.search.mode === 'match')
    .map((e) => (typed ? `${e.resource.resourceType}/${e.resource.id}` : e.resource.id))
    .sort();
}
const enc = encodeURIComponent;

beforeAll(async () => {
  s = await startTestServer();
  for (const r of all) {
    const res = await request(s.url)
      .put(`/fhir/${r.resourceType}/${r.id}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify(r));
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.status} ${res.text}`);
  }
});
afterAll(() => s.close());

describe('string', () => {
  it('starts-with by default, :contains anywhere, both case- and accent-insensitive', async () => {
    // "Al-Haddad" does not start with "haddad": the default is starts-with on the whole part
    expect(await ids('Patient?family=haddad')).toEqual(['pa']);
    expect(await ids('Patient?family:contains=ADDA')).toEqual(['pa', 'pb']);
    expect(await ids('Patient?given:contains=sse')).toEqual(['pb']);
    expect(await ids('Patient?given:contains=ss')).toEqual(['pb', 'pc']);
    expect(await ids('Patient?family:contains=xyz')).toEqual([]);
    // no patient has an address: :missing on a string
    expect(await ids('Patient?address:missing=true')).toEqual(['pa', 'pb', 'pc', 'pd']);
    expect(await ids('Patient?address-city:missing=false')).toEqual([]);
    expect(await ids('Patient?given:missing=false')).toEqual(['pa', 'pb', 'pc', 'pd']);
  });

  it('phonetic keeps Hassan and Hussein apart', async () => {
    expect(await ids('Patient?phonetic=Husayn')).toEqual(['pb']);
    expect(await ids('Patient?phonetic=Hasan')).toEqual(['pc']);
    expect(await ids('Patient?phonetic=Amin')).toEqual([]);
    expect(await ids('Patient?phonetic=Aminah')).toEqual(['pd']);
    // the leading article goes: Al-Haddad sounds like Haddad
    expect(await ids('Patient?phonetic=Hadad')).toEqual(['pa', 'pb']);
  });
});

describe('token', () => {
  it(':not finds the resources without the code, including those without any value', async () => {
    expect(await ids('Patient?gender=male')).toEqual(['pb', 'pc']);
    // pd has no gender: it is not male, so :not finds it (search.html#modifiers)
    expect(await ids('Patient?gender:not=male')).toEqual(['pa', 'pd']);
    expect(await ids('Patient?gender:missing=true')).toEqual(['pd']);
  });

  it(':text searches Coding.display, CodeableConcept.text and Identifier.type.text', async () => {
    expect(await ids('Observation?code:text=heart')).toEqual(['o1', 'o2']);
    expect(await ids('Observation?code:text=puls')).toEqual(['o1']);
    expect(await ids('Patient?identifier:text=passport')).toEqual(['pa']);
    expect(await ids('Observation?code:text=8867')).toEqual([]);
  });

  it(':of-type matches identifier type and value together', async () => {
    expect(await ids(`Patient?identifier:of-type=${V2_0203}|PPN|N123`)).toEqual(['pa']);
    // A-1 is pa's e-PHR identifier, which has no type
    expect(await ids(`Patient?identifier:of-type=${V2_0203}|PPN|A-1`)).toEqual([]);
    const bad = await get(`Patient?identifier:of-type=${V2_0203}|PPN`);
    expect([bad.status, bad.body.issue?.[0]?.expression]).toEqual([400, ['identifier']]);
  });

  it(':in and :not-in expand an R4 ValueSet (the vital-sign result codes)', async () => {
    const vs = 'http://hl7.org/fhir/ValueSet/observation-vitalsignresult';
    // 8867-4 heart rate, 29463-7 weight, 85354-9 blood pressure are in it; glucose and SARS-CoV-2 are not
    expect(await ids(`Observation?code:in=${vs}`)).toEqual(['o1', 'o2', 'o3', 'o6']);
    expect(await ids(`Observation?code:not-in=${vs}`)).toEqual(['o4', 'o5']);
    // a `code` element (Patient.gender) has no system of its own: the binding's system is implied
    expect(await ids('Patient?gender:in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual([
      'pa',
      'pb',
      'pc',
    ]);
    const bad = await get('Observation?code:in=http://example.org/no-such-valueset');
    expect([bad.status, bad.body.resourceType, bad.body.issue?.[0]?.expression]).toEqual([
      400,
      'OperationOutcome',
      ['code'],
    ]);
  });

  it('our e-PHR id parameter', async () => {
    expect(await ids('Patient?ephr-id=A-2')).toEqual(['pb']);
    expect(await ids(`Patient?ephr-id=${EPHR}|A-3`)).toEqual(['pc']);
  });
});

describe('reference', () => {
  it(':identifier matches Reference.identifier, not the target resource', async () => {
    // o1 refers to pa too, but only by reference: :identifier does not resolve it (R4 search.html#reference)
    expect(await ids(`Observation?subject:identifier=${EPHR}|A-1`)).toEqual(['o4']);
    expect(await ids('Observation?subject:Patient=pa')).toEqual(['o1', 'o4']);
  });

  it(':missing', async () => {
    expect(await ids('Encounter?subject:missing=true')).toEqual(['e4']);
    expect(await ids('Encounter?subject:missing=false')).toEqual(['e1', 'e2', 'e3', 'e5']);
  });
});

describe('date prefixes on Periods', () => {
  // e1 [2024-03-10T08:00Z, 2024-03-12T18:00:00.999Z]; e2 [2024-03-15, open]; e3 [2024-02-01, 2024-02-29 end];
  // e5 [2010-01-01, 2010-01-02 end]; e4 no period. Each search value is the range of its precision.
  it('eq: the search range contains the whole period; an open period is contained by none', async () => {
    expect(await ids('Encounter?date=2024-03')).toEqual(['e1']);
    expect(await ids('Encounter?date=2024')).toEqual(['e1', 'e3']);
    expect(await ids('Encounter?date=eq2024-03-11')).toEqual([]);
  });

  it('ne: every period not contained, so the open one too', async () => {
    expect(await ids('Encounter?date=ne2024-03')).toEqual(['e2', 'e3', 'e5']);
  });

  it('sa / eb: the period lies wholly after / before the search range', async () => {
    expect(await ids('Encounter?date=sa2024-03-12')).toEqual(['e2']);
    // e1 starts on 03-10, inside the search range 2024-03-10: not "after"
    expect(await ids('Encounter?date=sa2024-03-09')).toEqual(['e1', 'e2']);
    expect(await ids('Encounter?date=eb2024-03-01')).toEqual(['e3', 'e5']);
    expect(await ids('Encounter?date=eb2024-02-29')).toEqual(['e5']);
  });

  it('le / lt / ge / gt: the range below / above the search value overlaps the period', async () => {
    expect(await ids('Encounter?date=le2024-02-29')).toEqual(['e3', 'e5']);
    // e1 started before 03-11: the range below 03-11 overlaps it
    expect(await ids('Encounter?date=le2024-03-11')).toEqual(['e1', 'e3', 'e5']);
    expect(await ids('Encounter?date=lt2024-03-10T08:00:00Z')).toEqual(['e3', 'e5']);
    expect(await ids('Encounter?date=ge2024-03-13')).toEqual(['e2']);
    // e1 ends at 18:00 on 03-12, inside the search range 2024-03-12: nothing of it is above that day
    expect(await ids('Encounter?date=gt2024-03-12')).toEqual(['e2']);
    expect(await ids('Encounter?date=gt2024-03-11')).toEqual(['e1', 'e2']);
  });

  it('ap: within 10% of the distance from now (at least a day)', async () => {
    // From 2026 on, 10% of the distance to 2024-03-11 is well over the two weeks to e2 and e3, and far
    // under the 14 years to e5.
    expect(await ids('Encounter?date=ap2024-03-11')).toEqual(['e1', 'e2', 'e3']);
    expect(await ids('Encounter?date=ap2010-01')).toEqual(['e5']);
    expect(await ids('Encounter?date:missing=true')).toEqual(['e4']);
  });

  it('sa / eb / ne on dates of birth', async () => {
    // pb 1985, pa 1990-05-14, pd 2007-11; pc has none
    expect(await ids('Patient?birthdate=eb1990')).toEqual(['pb']);
    expect(await ids('Patient?birthdate=sa2000')).toEqual(['pd']);
    expect(await ids('Patient?birthdate=ne1990')).toEqual(['pb', 'pd']);
    expect(await ids('Patient?birthdate=le1990-05')).toEqual(['pa', 'pb']);
    expect(await ids('Patient?birthdate:missing=true')).toEqual(['pc']);
    expect(await ids('Patient?birthdate:missing=false')).toEqual(['pa', 'pb', 'pd']);
  });
});

describe('number', () => {
  // r1 80, r2 25.4, r4 86; r3 has a prediction without a probability
  it('a value stands for the range of its precision', async () => {
    expect(await ids('RiskAssessment?probability=80')).toEqual(['r1']);
    // 25 is [24.5, 25.5), which holds 25.4; 25.0 is [24.95, 25.05), which does not
    expect(await ids('RiskAssessment?probability=25')).toEqual(['r2']);
    expect(await ids('RiskAssessment?probability=25.0')).toEqual([]);
    expect(await ids('RiskAssessment?probability=25.4')).toEqual(['r2']);
  });

  it('prefixes', async () => {
    expect(await ids('RiskAssessment?probability=gt80')).toEqual(['r4']);
    expect(await ids('RiskAssessment?probability=ge80')).toEqual(['r1', 'r4']);
    expect(await ids('RiskAssessment?probability=lt80')).toEqual(['r2']);
    expect(await ids('RiskAssessment?probability=le80')).toEqual(['r1', 'r2']);
    expect(await ids('RiskAssessment?probability=ne80')).toEqual(['r2', 'r4']);
    // ap: within 10% of 80, [72, 88]
    expect(await ids('RiskAssessment?probability=ap80')).toEqual(['r1', 'r4']);
    expect(await ids('RiskAssessment?probability=sa80')).toEqual(['r4']);
    expect(await ids('RiskAssessment?probability=eb80')).toEqual(['r2']);
  });

  it(':missing', async () => {
    expect(await ids('RiskAssessment?probability:missing=true')).toEqual(['r3']);
    expect(await ids('RiskAssessment?probability:missing=false')).toEqual(['r1', 'r2', 'r4']);
  });

  it('a malformed number is a 400 naming the parameter', async () => {
    const bad = await get('RiskAssessment?probability=eighty');
    expect([bad.status, bad.body.issue?.[0]?.expression]).toEqual([400, ['probability']]);
  });
});

describe('quantity', () => {
  // o1 72 /min, o2 95 /min, o3 70 kg, o4 5.5 mmol/L; o5 and o6 have no valueQuantity
  it('prefixes, value||unit and UCUM conversion', async () => {
    expect(await ids(`Observation?value-quantity=ap90|${UCUM}|/min`)).toEqual(['o2']);
    expect(await ids(`Observation?value-quantity=ne72|${UCUM}|/min`)).toEqual(['o2']);
    expect(await ids('Observation?value-quantity=70||kg')).toEqual(['o3']);
    expect(await ids(`Observation?value-quantity=70000|${UCUM}|g`)).toEqual(['o3']);
    expect(await ids(`Observation?value-quantity=lt6|${UCUM}|mmol/L`)).toEqual(['o4']);
    expect(await ids('Observation?value-quantity=gt90')).toEqual(['o2']);
  });

  it(':missing', async () => {
    expect(await ids('Observation?value-quantity:missing=true')).toEqual(['o5', 'o6']);
  });
});

describe('uri', () => {
  // cp1 http://who.int/guidelines/tb/2024/adult, cp2 http://who.int/guidelines/hiv, cp3 none
  it('exact, :below, :above, :missing', async () => {
    expect(await ids('CarePlan?instantiates-uri=http://who.int/guidelines/hiv')).toEqual(['cp2']);
    expect(await ids('CarePlan?instantiates-uri=http://who.int/guidelines')).toEqual([]);
    expect(await ids('CarePlan?instantiates-uri:below=http://who.int/guidelines')).toEqual(['cp1', 'cp2']);
    expect(await ids('CarePlan?instantiates-uri:below=http://who.int/guidelines/tb')).toEqual(['cp1']);
    // :above: the stored uri is the value or one of its ancestors
    expect(
      await ids('CarePlan?instantiates-uri:above=http://who.int/guidelines/tb/2024/adult/annex'),
    ).toEqual(['cp1']);
    expect(await ids('CarePlan?instantiates-uri:above=http://who.int/guidelines/hiv/2023')).toEqual(['cp2']);
    expect(await ids('CarePlan?instantiates-uri:above=http://who.int/guidelines')).toEqual([]);
    expect(await ids('CarePlan?instantiates-uri:missing=true')).toEqual(['cp3']);
  });
});

describe('composite', () => {
  it('code with value, paired within one element', async () => {
    expect(await ids(`Observation?code-value-quantity=${LOINC}|8867-4$gt80`)).toEqual(['o2']);
    expect(await ids('Observation?code-value-quantity=8867-4$lt80')).toEqual(['o1']);
    expect(await ids(`Observation?component-code-value-quantity=${LOINC}|8480-6$ge120`)).toEqual(['o6']);
    // 120 belongs to the systolic component, not to the diastolic one (80)
    expect(await ids(`Observation?component-code-value-quantity=${LOINC}|8462-4$gt100`)).toEqual([]);
    expect(
      await ids(`Observation?component-code-value-quantity=${LOINC}|8462-4$80|${UCUM}|${enc('mm[Hg]')}`),
    ).toEqual(['o6']);
    expect(
      await ids(`Observation?code-value-concept=${LOINC}|94500-6$http://snomed.info/sct|260373001`),
    ).toEqual(['o5']);
  });

  it(':missing, and a wrong number of components is a 400', async () => {
    expect(await ids('Observation?code-value-quantity:missing=true')).toEqual(['o5', 'o6']);
    const bad = await get('Observation?code-value-quantity=8867-4');
    expect([bad.status, bad.body.issue?.[0]?.expression]).toEqual([400, ['code-value-quantity']]);
  });
});

describe('common parameters', () => {
  it('_profile, _security, _source, _tag', async () => {
    expect(await ids(`Patient?_profile=${CORE_PATIENT}`)).toEqual(['pa']);
    expect(await ids(`Patient?_security=${CONFIDENTIALITY}|R`)).toEqual(['pa']);
    expect(await ids(`Patient?_security:not=${CONFIDENTIALITY}|R`)).toEqual(['pb', 'pc', 'pd']);
    expect(await ids('Patient?_source=http://clinic-b.example/ehr')).toEqual(['pb']);
    expect(await ids('Patient?_tag=urn:tags|arrival-2024')).toEqual(['pa']);
  });

  it('_type at the system level, with a parameter the types share', async () => {
    expect(await ids('?_type=CarePlan,RiskAssessment&_id=cp1,r2', true)).toEqual([
      'CarePlan/cp1',
      'RiskAssessment/r2',
    ]);
    expect(await ids('?_type=Observation,Encounter&subject=Patient/pb', true)).toEqual([
      'Encounter/e5',
      'Observation/o2',
      'Observation/o3',
    ]);
    const bad = await get('?_type=NotAType');
    expect([bad.status, bad.body.issue?.[0]?.expression]).toEqual([400, ['_type']]);
  });
});

describe('result parameters', () => {
  const one = async (query: string): Promise<Record<string, unknown>> => {
    const res = await get(`Patient?_id=pb&${query}`).expect(200);
    return (res.body.entry as Entry[])[0]?.resource ?? {};
  };

  it('_summary=true keeps the summary elements and marks the resource SUBSETTED', async () => {
    const r = await one('_summary=true');
    // Patient.text and multipleBirth[x] are not summary elements
    expect(Object.keys(r).sort()).toEqual(
      ['birthDate', 'gender', 'id', 'identifier', 'meta', 'name', 'resourceType'].sort(),
    );
    expect((r.meta as { tag: unknown[] }).tag).toContainEqual(SUBSETTED);
  });

  it('_summary=text, data and false', async () => {
    expect(Object.keys(await one('_summary=text')).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
    const data = await one('_summary=data');
    expect(data.text).toBeUndefined();
    expect(data.multipleBirthInteger).toBe(2);
    const full = await one('_summary=false');
    expect(full.text).toBeDefined();
    expect((full.meta as { tag?: unknown[] }).tag).toBeUndefined();
  });

  it('_summary=count answers the total only', async () => {
    const res = await get('Patient?gender=male&_summary=count').expect(200);
    expect([res.body.total, res.body.entry]).toEqual([2, undefined]);
  });

  it('_elements keeps a choice element by its name (multipleBirth) and the mandatory ones', async () => {
    const r = await one('_elements=multipleBirth,gender');
    expect(Object.keys(r).sort()).toEqual(['gender', 'id', 'meta', 'multipleBirthInteger', 'resourceType']);
  });

  it('_total=none, estimate, accurate', async () => {
    // several pages: the total is given only when asked for
    const none = await get('Patient?_count=1&_total=none').expect(200);
    expect([none.body.total, none.body.entry.length]).toEqual([undefined, 1]);
    const accurate = await get('Patient?_count=1&_total=accurate').expect(200);
    expect(accurate.body.total).toBe(4);
    // the database filter alone decides here (no application-side test), so the estimate is exact
    const estimate = await get('Patient?_count=1&_total=estimate').expect(200);
    expect(estimate.body.total).toBe(4);
    // a date `eq` is tested per entry after the database filter; accurate counts only true matches
    const eq = await get('Encounter?date=2024-03&_count=1&_total=accurate').expect(200);
    expect(eq.body.total).toBe(1);
    const bad = await get('Patient?_total=exact');
    expect([bad.status, bad.body.issue?.[0]?.expression]).toEqual([400, ['_total']]);
  });
});

describe('string :contains on long values', () => {
  const org = {
    resourceType: 'Organization',
    id: 'long-name',
    // longer than 128 characters, with regular expression metacharacters in it
    name:
      'Reception and Identification Centre (RIC) of Lesvos, Mytilene: primary care, vaccination and ' +
      'psychosocial support for new arrivals [IOM/UNHCR], open 24/7 + outreach',
  };
  beforeAll(async () => {
    await request(s.url).put(`/fhir/Organization/${org.id}`).set('Content-Type', FHIR).send(org).expect(201);
  });
  afterAll(() => request(s.url).delete(`/fhir/Organization/${org.id}`));

  it('finds a substring anywhere, not only from word starts, and takes metacharacters literally', async () => {
    expect(await ids(`Organization?name:contains=${enc('ccination')}`)).toEqual([org.id]);
    expect(
      await ids(`Organization?name:contains=${enc('OSOCIAL SUPPORT FOR NEW ARRIVALS [IOM/UN')}`),
    ).toEqual([org.id]);
    expect(await ids(`Organization?name:contains=${enc('(ric)')}`)).toEqual([org.id]);
    expect(await ids(`Organization?name:contains=${enc('24/7 + out')}`)).toEqual([org.id]);
    expect(await ids(`Organization?name:contains=${enc('.*')}`)).toEqual([]);
    expect(await ids(`Organization?name:contains=${enc('lesvos mytilene')}`)).toEqual([]);
  });
});
