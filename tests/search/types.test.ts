// Unit tests of the per-type search modules: extraction into index entries and predicates, checked by
// evaluating the predicates against the stored entries in process (the same semantics as the database).
import type { FhirResource as Resource } from 'fhir/r4';
import { indexResource, searchParameterRegistry } from '../../src/search';
import { matchFilter } from '../../src/search/matcher';
import { valuePredicate } from '../../src/search/predicate';
import type { Predicate } from '../../src/search/types/common';
import { dateRange } from '../../src/search/types/date';
import { parseNumber } from '../../src/search/types/number';
import { toCanonical } from '../../src/search/types/quantity';
import { splitToken } from '../../src/search/types/token';
import { normaliseString } from '../../src/search/normalise';
import { decodeNumber, encodeNumber } from '../../src/search/encode';

const BASE = 'http://example.org/fhir';

function pred(type: string, code: string, value: string, modifier?: string): Predicate {
  const def = searchParameterRegistry().get(type, code);
  if (!def) throw new Error(`no ${type}.${code}`);
  return valuePredicate(def, modifier, value, BASE);
}

/** Whether a resource matches one search value, as the database plus the exact test would decide. */
function matches(resource: Resource, code: string, value: string, modifier?: string): boolean {
  const { idx } = indexResource(resource, { baseUrl: BASE });
  const doc = { id: resource.id, idx };
  const p = pred(resource.resourceType, code, value, modifier);
  return matchFilter(p.filter, doc) && (p.test ? p.test(doc) : true);
}

const patient: Resource = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: 'Muñoz-Ørsted', given: ['José', 'Ana María'], text: 'José Muñoz' }],
  address: [{ line: ['12 Rue de Lausanne'], city: 'Genève', postalCode: '1201', country: 'CH' }],
  birthDate: '1980-05-12',
  gender: 'male',
  identifier: [
    {
      system: 'urn:oid:iom',
      value: 'IOM-001',
      type: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PPN' }],
        text: 'Passport',
      },
    },
  ],
  telecom: [{ system: 'phone', value: '+41 22 717 9111' }],
  active: true,
  generalPractitioner: [{ reference: `${BASE}/Practitioner/gp1` }],
  managingOrganization: { identifier: { system: 'urn:oid:org', value: 'ORG-7' } },
};

describe('normaliser and encodings', () => {
  it('folds case and accents on both sides', () => {
    expect(normaliseString('  José  MUÑOZ ')).toBe('jose munoz');
    expect(normaliseString('Ørsted Straße')).toBe('orsted strasse');
  });
  it('keeps number order in the encoded strings', () => {
    const ns = [-1e9, -2.5, -0.001, 0, 0.001, 1, 2.5, 99.5, 100, 1e12];
    const enc = ns.map(encodeNumber);
    expect([...enc].sort()).toEqual(enc);
    for (const n of ns) expect(decodeNumber(encodeNumber(n))).toBe(n);
  });
});

describe('string', () => {
  it('is case- and accent-insensitive starts-with on every part of a HumanName and Address', () => {
    expect(matches(patient, 'family', 'munoz')).toBe(true);
    expect(matches(patient, 'family', 'MUÑ')).toBe(true);
    expect(matches(patient, 'family', 'orsted')).toBe(false); // not a prefix
    expect(matches(patient, 'given', 'ana')).toBe(true);
    expect(matches(patient, 'name', 'jose munoz')).toBe(true); // HumanName.text
    expect(matches(patient, 'address', 'geneve')).toBe(true);
    expect(matches(patient, 'address-city', 'gen')).toBe(true);
    expect(matches(patient, 'address-postalcode', '120')).toBe(true);
  });
  it(':exact compares the stored text as written', () => {
    expect(matches(patient, 'family', 'Muñoz-Ørsted', 'exact')).toBe(true);
    expect(matches(patient, 'family', 'munoz-orsted', 'exact')).toBe(false);
  });
  it(':contains finds any substring, short and long', () => {
    expect(matches(patient, 'family', 'orst', 'contains')).toBe(true);
    expect(matches(patient, 'address', 'de laus', 'contains')).toBe(true);
    expect(matches(patient, 'address', 'rue de lausanne and more', 'contains')).toBe(false);
    expect(matches(patient, 'address', '12 rue de lausanne xyz', 'contains')).toBe(false);
    expect(matches(patient, 'address', '2 rue de lausanne', 'contains')).toBe(true); // > 24 characters? no, 17
    const long: Resource = {
      resourceType: 'Patient',
      id: 'x',
      name: [{ text: 'Abdelrahman Mohammed Youssef Al-Tigrayi' }],
    };
    expect(matches(long, 'name', 'rahman mohammed youssef al', 'contains')).toBe(true); // 26 characters
    expect(matches(long, 'name', 'rahman mohammed youssef xx', 'contains')).toBe(false);
  });
  it('escapes regular expression characters in the search value', () => {
    const odd: Resource = { resourceType: 'Patient', id: 'o', name: [{ family: 'a.b(c)*' }] };
    expect(matches(odd, 'family', 'a.b(c)*')).toBe(true);
    expect(matches(patient, 'family', '.*')).toBe(false);
  });
});

describe('token', () => {
  it('splits system|code with escaped bars', () => {
    expect(splitToken('a|b')).toEqual({ system: 'a', code: 'b' });
    expect(splitToken('a\\|b')).toEqual({ code: 'a|b' });
    expect(splitToken('|b')).toEqual({ system: '', code: 'b' });
  });
  it('matches code, system|code, |code and system| on Identifier, ContactPoint, code and boolean', () => {
    expect(matches(patient, 'identifier', 'IOM-001')).toBe(true);
    expect(matches(patient, 'identifier', 'urn:oid:iom|IOM-001')).toBe(true);
    expect(matches(patient, 'identifier', 'urn:oid:other|IOM-001')).toBe(false);
    expect(matches(patient, 'identifier', '|IOM-001')).toBe(false); // the stored one has a system
    expect(matches(patient, 'identifier', 'urn:oid:iom|')).toBe(true);
    expect(matches(patient, 'identifier', 'iom-001')).toBe(false); // codes are case-sensitive
    expect(matches(patient, 'phone', '+41 22 717 9111')).toBe(true);
    expect(matches(patient, 'gender', 'male')).toBe(true);
    expect(matches(patient, 'active', 'true')).toBe(true);
    expect(matches(patient, 'active', 'false')).toBe(false);
  });
  it(':not, :text, :of-type', () => {
    expect(matches(patient, 'gender', 'female', 'not')).toBe(true);
    expect(matches(patient, 'gender', 'male', 'not')).toBe(false);
    expect(matches(patient, 'identifier', 'passp', 'text')).toBe(true);
    expect(
      matches(patient, 'identifier', 'http://terminology.hl7.org/CodeSystem/v2-0203|PPN|IOM-001', 'of-type'),
    ).toBe(true);
    expect(
      matches(patient, 'identifier', 'http://terminology.hl7.org/CodeSystem/v2-0203|MR|IOM-001', 'of-type'),
    ).toBe(false);
  });
  it(':in and :not-in expand ValueSets of the R4 package', () => {
    expect(matches(patient, 'gender', 'http://hl7.org/fhir/ValueSet/administrative-gender', 'in')).toBe(true);
    expect(matches(patient, 'gender', 'http://hl7.org/fhir/ValueSet/administrative-gender', 'not-in')).toBe(
      false,
    );
    expect(() => pred('Patient', 'gender', 'http://example.org/unknown-vs', 'in')).toThrow(
      /cannot be expanded/,
    );
  });
  it(':in follows is-a filters by the CodeSystem hierarchy (the same expander as validation)', () => {
    const vs = 'http://hl7.org/fhir/ValueSet/parent-relationship-codes'; // v3-RoleCode is-a PRN or TWIN
    const related = (code: string): Resource => ({
      resourceType: 'RelatedPerson',
      id: code,
      patient: { reference: 'Patient/p' },
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code }] }],
    });
    expect(matches(related('MTH'), 'relationship', vs, 'in')).toBe(true);
    expect(matches(related('FRND'), 'relationship', vs, 'in')).toBe(false);
    // LOINC is not held with all its codes: a ValueSet of it needs a terminology server.
    expect(() => pred('Observation', 'code', 'http://hl7.org/fhir/ValueSet/observation-codes', 'in')).toThrow(
      /cannot be expanded/,
    );
  });
  it('reads CodeableConcept codings and text', () => {
    const obs: Resource = {
      resourceType: 'Observation',
      id: 'o',
      status: 'final',
      code: {
        coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }],
        text: 'Pulse',
      },
    };
    expect(matches(obs, 'code', 'http://loinc.org|8867-4')).toBe(true);
    expect(matches(obs, 'code', '8867-4')).toBe(true);
    expect(matches(obs, 'code', 'heart', 'text')).toBe(true);
    expect(matches(obs, 'code', 'pulse', 'text')).toBe(true);
  });
});

describe('reference', () => {
  it('indexes references on our base as relative ones; id, Type/id, :type and absolute forms', () => {
    expect(matches(patient, 'general-practitioner', 'Practitioner/gp1')).toBe(true);
    expect(matches(patient, 'general-practitioner', `${BASE}/Practitioner/gp1`)).toBe(true);
    expect(matches(patient, 'general-practitioner', 'gp1')).toBe(true);
    expect(matches(patient, 'general-practitioner', 'gp1', 'Practitioner')).toBe(true);
    expect(matches(patient, 'general-practitioner', 'gp1', 'Organization')).toBe(false);
  });
  it(':identifier matches Reference.identifier', () => {
    expect(matches(patient, 'organization', 'urn:oid:org|ORG-7', 'identifier')).toBe(true);
    expect(matches(patient, 'organization', 'ORG-7', 'identifier')).toBe(true);
    expect(matches(patient, 'organization', 'urn:oid:x|ORG-7', 'identifier')).toBe(false);
  });
  it('follows .where(resolve() is Patient) in multi-base expressions', () => {
    const enc: Resource = {
      resourceType: 'Encounter',
      id: 'e',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: 'Group/g1' },
    };
    expect(indexResource(enc).idx.k?.filter((e) => e.startsWith('patient|'))).toEqual([]);
    expect(indexResource(enc).idx.k).toContain('subject|Group/g1');
  });
});

describe('date', () => {
  it('turns each precision into a range; no time zone means UTC', () => {
    expect(dateRange('2024')).toEqual({
      lo: Date.parse('2024-01-01T00:00:00Z'),
      hi: Date.parse('2024-12-31T23:59:59.999Z'),
    });
    expect(dateRange('2024-02')).toEqual({
      lo: Date.parse('2024-02-01T00:00:00Z'),
      hi: Date.parse('2024-02-29T23:59:59.999Z'),
    });
    expect(dateRange('2024-01-15T10:00:00+01:00')).toEqual({
      lo: Date.parse('2024-01-15T09:00:00Z'),
      hi: Date.parse('2024-01-15T09:00:00.999Z'),
    });
    expect(dateRange('2024-01-15T10:00')?.hi).toBe(Date.parse('2024-01-15T10:00:59.999Z'));
    expect(dateRange('2024-01-15T10:00:00 01:00')?.lo).toBe(Date.parse('2024-01-15T09:00:00Z')); // `+` read as a space
    expect(dateRange('2024-02-30')).toBeUndefined();
    expect(dateRange('0099-01-01')?.lo).toBe(Date.parse('0099-01-01T00:00:00Z'));
  });
  const born = (birthDate: string): Resource => ({ resourceType: 'Patient', id: 'b', birthDate });
  it('eq/ne/gt/lt/ge/le/sa/eb as the spec defines them, for partial dates', () => {
    const p = born('1990'); // the whole year
    expect(matches(p, 'birthdate', '1990')).toBe(true);
    expect(matches(p, 'birthdate', '1990-06')).toBe(false); // the search range does not contain the year
    expect(matches(p, 'birthdate', 'ne1990-06')).toBe(true);
    expect(matches(p, 'birthdate', 'ge1990-06')).toBe(true); // extends above June
    expect(matches(p, 'birthdate', 'gt1990-06')).toBe(true);
    expect(matches(p, 'birthdate', 'lt1990-06')).toBe(true);
    expect(matches(p, 'birthdate', 'sa1990-06')).toBe(false);
    expect(matches(p, 'birthdate', 'eb1991')).toBe(true);
    expect(matches(p, 'birthdate', 'eb1990')).toBe(false);
    expect(matches(p, 'birthdate', 'sa1989')).toBe(true);
    expect(matches(p, 'birthdate', 'le1989')).toBe(false);
    expect(matches(p, 'birthdate', 'ge1991')).toBe(false);
    expect(matches(born('1990-06-15'), 'birthdate', 'ap1990-06-20')).toBe(true);
    expect(matches(born('1990-06-15'), 'birthdate', 'ap2020-06-20')).toBe(false);
  });
  it('compares instants across time zones', () => {
    const obs: Resource = {
      resourceType: 'Observation',
      id: 'o',
      status: 'final',
      code: {},
      effectiveDateTime: '2023-12-31T23:30:00-02:00',
    };
    expect(matches(obs, 'date', '2024-01-01')).toBe(true);
    expect(matches(obs, 'date', '2023')).toBe(false);
    expect(matches(obs, 'date', 'lt2024-01-01T01:31:00Z')).toBe(true);
    expect(matches(obs, 'date', 'gt2024-01-01T01:31:00Z')).toBe(false);
  });
  it('Periods: open ends are unbounded; eq needs the low and high of the same period', () => {
    const enc = (period: object): Resource => ({
      resourceType: 'Encounter',
      id: 'e',
      status: 'finished',
      class: {},
      period,
    });
    expect(matches(enc({ start: '2024-02-01', end: '2024-02-03' }), 'date', '2024-02')).toBe(true);
    expect(matches(enc({ start: '2024-02-01', end: '2024-02-03' }), 'date', '2024-02-02')).toBe(false);
    expect(matches(enc({ start: '2024-02-01', end: '2024-02-03' }), 'date', 'ge2024-02-02')).toBe(true);
    expect(matches(enc({ start: '2024-02-01' }), 'date', 'gt2030')).toBe(true);
    expect(matches(enc({ start: '2024-02-01' }), 'date', 'lt2024')).toBe(false);
    // Two periods: one starts in 2024, the other ends in 2024, none lies inside 2024.
    const care: Resource = {
      resourceType: 'CarePlan',
      id: 'c',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p' },
      activity: [
        { detail: { status: 'completed', scheduledPeriod: { start: '2024-03-01', end: '2025-03-01' } } },
        { detail: { status: 'completed', scheduledPeriod: { start: '2023-03-01', end: '2024-03-01' } } },
      ],
    };
    expect(matches(care, 'activity-date', '2024')).toBe(false);
    expect(matches(care, 'activity-date', 'ge2024-06')).toBe(true);
  });
  it('a malformed date is a 400 naming the parameter', () => {
    expect(() => pred('Patient', 'birthdate', '19x0')).toThrow(/birthdate/);
    expect(() => pred('Patient', 'birthdate', 'xx1990')).toThrow(/unknown prefix/);
  });
});

describe('number', () => {
  it('has implicit precision', () => {
    expect(parseNumber('n', '100')).toMatchObject({ lo: 99.5, hi: 100.5 });
    expect(parseNumber('n', '100.00')).toMatchObject({ lo: 99.995, hi: 100.005 });
    const risk = (p: number): Resource => ({
      resourceType: 'RiskAssessment',
      id: 'r',
      status: 'final',
      subject: { reference: 'Patient/p' },
      prediction: [{ probabilityDecimal: p }],
    });
    expect(matches(risk(0.54), 'probability', '0.5')).toBe(true);
    expect(matches(risk(0.56), 'probability', '0.5')).toBe(false);
    expect(matches(risk(0.56), 'probability', 'gt0.5')).toBe(true);
    expect(matches(risk(0.5), 'probability', 'ge0.5')).toBe(true);
    expect(matches(risk(0.5), 'probability', 'lt0.5')).toBe(false);
    expect(matches(risk(0.55), 'probability', 'ap0.5')).toBe(true);
    expect(() => pred('RiskAssessment', 'probability', 'abc')).toThrow(/probability/);
  });
});

describe('quantity', () => {
  const obs = (valueQuantity: object): Resource => ({
    resourceType: 'Observation',
    id: 'o',
    status: 'final',
    code: {},
    valueQuantity,
  });
  it('converts UCUM units to canonical ones', () => {
    expect(toCanonical(5400, 'ug')).toEqual({ value: 0.0054, unit: 'g' });
    expect(
      matches(
        obs({ value: 5400, system: 'http://unitsofmeasure.org', code: 'ug' }),
        'value-quantity',
        '5.4|http://unitsofmeasure.org|mg',
      ),
    ).toBe(true);
    expect(
      matches(
        obs({ value: 5500, system: 'http://unitsofmeasure.org', code: 'ug' }),
        'value-quantity',
        '5.4|http://unitsofmeasure.org|mg',
      ),
    ).toBe(false);
    expect(
      matches(
        obs({ value: 80, system: 'http://unitsofmeasure.org', code: 'kg' }),
        'value-quantity',
        'gt75000|http://unitsofmeasure.org|g',
      ),
    ).toBe(true);
  });
  it('value only, value||unit, value|system|code for non-UCUM systems', () => {
    const q = obs({ value: 72, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' });
    expect(matches(q, 'value-quantity', '72')).toBe(true);
    expect(matches(q, 'value-quantity', 'le71')).toBe(false);
    expect(matches(q, 'value-quantity', '72||/min')).toBe(true);
    expect(matches(q, 'value-quantity', '72||beats/min')).toBe(true);
    expect(matches(q, 'value-quantity', '72||mg')).toBe(false);
    const local = obs({ value: 3, system: 'http://acme.org/units', code: 'tabs' });
    expect(matches(local, 'value-quantity', '3|http://acme.org/units|tabs')).toBe(true);
    expect(matches(local, 'value-quantity', '3|http://other.org/units|tabs')).toBe(false);
  });
});

describe('uri', () => {
  const vs: Resource = {
    resourceType: 'ValueSet',
    id: 'v',
    status: 'active',
    url: 'http://acme.org/fhir/ValueSet/gbv-forms',
  };
  it('exact, :below and :above', () => {
    expect(matches(vs, 'url', 'http://acme.org/fhir/ValueSet/gbv-forms')).toBe(true);
    expect(matches(vs, 'url', 'http://acme.org/fhir/ValueSet')).toBe(false);
    expect(matches(vs, 'url', 'http://acme.org/fhir/', 'below')).toBe(true);
    expect(matches(vs, 'url', 'http://acme.org/fhir/ValueSet/gbv-forms/v2', 'above')).toBe(true);
    expect(matches(vs, 'url', 'http://acme.org/other/x', 'above')).toBe(false);
  });
});

describe('composite', () => {
  const bp: Resource = {
    resourceType: 'Observation',
    id: 'bp',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
        valueQuantity: { value: 80, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
    ],
  };
  it('pairs the components of one element', () => {
    expect(matches(bp, 'component-code-value-quantity', 'http://loinc.org|8480-6$gt100')).toBe(true);
    expect(matches(bp, 'component-code-value-quantity', 'http://loinc.org|8462-4$gt100')).toBe(false);
    expect(matches(bp, 'component-code-value-quantity', '8462-4$80')).toBe(true);
    expect(
      matches(
        bp,
        'component-code-value-quantity',
        'http://loinc.org|8480-6$120|http://unitsofmeasure.org|mm[Hg]',
      ),
    ).toBe(true);
    expect(() => pred('Observation', 'component-code-value-quantity', 'http://loinc.org|8480-6')).toThrow(
      /components/,
    );
  });
  it('token$token composites', () => {
    const obs: Resource = {
      resourceType: 'Observation',
      id: 'c',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '72166-2' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006' }] },
    };
    expect(
      matches(obs, 'code-value-concept', 'http://loinc.org|72166-2$http://snomed.info/sct|8517006'),
    ).toBe(true);
    expect(matches(obs, 'code-value-concept', '72166-2$8517006')).toBe(true);
    expect(matches(obs, 'code-value-concept', '72166-2$1111')).toBe(false);
  });
});

describe(':missing', () => {
  it('applies to every type', () => {
    const bare: Resource = { resourceType: 'Patient', id: 'n' };
    expect(matches(bare, 'birthdate', 'true', 'missing')).toBe(true);
    expect(matches(patient, 'birthdate', 'true', 'missing')).toBe(false);
    expect(matches(patient, 'family', 'false', 'missing')).toBe(true);
    expect(matches(bare, 'identifier', 'true', 'missing')).toBe(true);
    expect(matches(patient, 'general-practitioner', 'false', 'missing')).toBe(true);
  });
});

describe('escaping (search.html#escaping) in every type', () => {
  const odd: Resource = {
    resourceType: 'Patient',
    id: 'e',
    name: [{ family: 'Smith|Jones$Brown\\Sr' }],
    identifier: [
      {
        system: 'urn:oid:x',
        value: 'A|1',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PPN' }] },
      },
    ],
  };
  it('string values (default, :exact, :contains) are unescaped', () => {
    expect(matches(odd, 'family', 'smith\\|jones\\$brown\\\\sr')).toBe(true);
    expect(matches(odd, 'family', 'Smith\\|Jones\\$Brown\\\\Sr', 'exact')).toBe(true);
    expect(matches(odd, 'family', 'jones\\$b', 'contains')).toBe(true);
    expect(matches(odd, 'family', 'smith\\\\', 'contains')).toBe(false);
  });
  it(':of-type splits at unescaped bars only', () => {
    const v2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
    expect(matches(odd, 'identifier', `${v2}|PPN|A\\|1`, 'of-type')).toBe(true);
    expect(matches(odd, 'identifier', 'urn:oid:x|A\\|1')).toBe(true);
    expect(() => pred('Patient', 'identifier', `${v2}|PPN|A|1`, 'of-type')).toThrow(/of-type/);
  });
  it('uri and reference values are unescaped', () => {
    const vs: Resource = { resourceType: 'ValueSet', id: 'v', status: 'active', url: 'http://x.org/a$b' };
    expect(matches(vs, 'url', 'http://x.org/a\\$b')).toBe(true);
    expect(matches(vs, 'url', 'http://x.org/a\\$', 'below')).toBe(true);
    const qr: Resource = {
      resourceType: 'QuestionnaireResponse',
      id: 'q',
      status: 'completed',
      questionnaire: 'http://x.org/Questionnaire/gbv|2.0',
    };
    expect(matches(qr, 'questionnaire', 'http://x.org/Questionnaire/gbv\\|2.0')).toBe(true);
    expect(matches(qr, 'questionnaire', 'http://x.org/Questionnaire/gbv\\|3.0')).toBe(false);
  });
});

describe('parts of a HumanName or an Address alone', () => {
  it('finds an Address with only a state or a district, a HumanName with only a prefix or suffix', () => {
    const p: Resource = {
      resourceType: 'Patient',
      id: 's',
      address: [{ state: 'Attica' }, { district: 'Moria' }],
      name: [{ prefix: ['Sheikh'] }, { suffix: ['Jr'] }],
    };
    expect(matches(p, 'address', 'atti')).toBe(true);
    expect(matches(p, 'address', 'moria')).toBe(true);
    expect(matches(p, 'name', 'sheikh')).toBe(true);
    expect(matches(p, 'name', 'jr')).toBe(true);
    expect(matches(p, 'name', 'attica')).toBe(false);
  });
});

describe('number in exponent form', () => {
  it('reads 1e2 as [95, 105) as R4 writes it, plain forms by their decimals', () => {
    expect(parseNumber('n', '1e2')).toMatchObject({ value: 100, lo: 95, hi: 105 });
    expect(parseNumber('n', '1.5e2')).toMatchObject({ value: 150, lo: 149.5, hi: 150.5 });
    expect(parseNumber('n', '100')).toMatchObject({ lo: 99.5, hi: 100.5 });
    const risk: Resource = {
      resourceType: 'RiskAssessment',
      id: 'r',
      status: 'final',
      subject: { reference: 'Patient/p' },
      prediction: [{ probabilityDecimal: 140 }],
    };
    expect(matches(risk, 'probability', '1e2')).toBe(false);
    expect(matches(risk, 'probability', '1.4e2')).toBe(true);
  });
});
