// `_summary` and `_elements` on single resources: element names come from the R4 definitions, so a choice
// element is kept under every type it takes (multipleBirthInteger is `multipleBirth`, not `multiple`).
import type { Observation, Patient } from 'fhir/r4';
import { summarise } from '../../src/search/summary';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p',
  meta: { versionId: '1' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
  multipleBirthInteger: 2,
  deceasedBoolean: false,
  birthDate: '1990',
  _birthDate: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] },
  maritalStatus: { text: 'married' },
};

describe('summarise', () => {
  it('_elements keeps choice elements by their element name, and a primitive with its _ sibling', () => {
    const out = summarise(patient, undefined, ['multipleBirth', 'birthDate']) as Patient;
    expect(Object.keys(out).sort()).toEqual(
      ['_birthDate', 'birthDate', 'id', 'meta', 'multipleBirthInteger', 'resourceType'].sort(),
    );
    expect(out.meta?.tag).toEqual([SUBSETTED]);
  });

  it('_elements does not keep an element for a prefix of its name', () => {
    const out = summarise(patient, undefined, ['multiple', 'deceased']) as Patient;
    expect(Object.keys(out).sort()).toEqual(['deceasedBoolean', 'id', 'meta', 'resourceType']);
  });

  it('a choice whose type name has several capitals (valueCodeableConcept) is the element value', () => {
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueCodeableConcept: { text: 'positive' },
      effectiveDateTime: '2024',
      note: [{ text: 'n' }],
    };
    const out = summarise(obs, undefined, ['value']) as Observation;
    // status and code are mandatory (min 1) and always kept
    expect(Object.keys(out).sort()).toEqual([
      'code',
      'meta',
      'resourceType',
      'status',
      'valueCodeableConcept',
    ]);
  });

  it('_summary=true keeps the isSummary elements, choices included; text keeps text and mandatory ones', () => {
    const out = summarise(patient, 'true') as Patient;
    // Patient.multipleBirth[x] and maritalStatus are not summary elements in R4; deceased[x] and birthDate are
    expect(Object.keys(out).sort()).toEqual(
      ['_birthDate', 'birthDate', 'deceasedBoolean', 'id', 'meta', 'resourceType'].sort(),
    );
    const text = summarise(patient, 'text') as Patient;
    expect(Object.keys(text).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
    const data = summarise(patient, 'data') as Patient;
    expect(data.text).toBeUndefined();
    expect(data.multipleBirthInteger).toBe(2);
    expect(summarise(patient, 'false')).toBe(patient);
  });
});
