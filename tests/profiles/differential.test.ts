// StructureDefinition differentials: every element exists in the base type, slices are declared, references resolve.
// http://hl7.org/fhir/R4/profiling.html
import type { ElementDefinition } from 'fhir/r4';
import { coreByUrl, evaluate, ofType, resolvePath } from './support';

const sds = ofType('StructureDefinition');
const ours = new Map(sds.map((sd) => [sd.url as string, sd]));

describe.each(sds.map((sd) => [sd.id as string, sd] as const))('%s', (_id, sd) => {
  const elements = sd.differential.element as ElementDefinition[];

  it('has element paths that exist in the base type (data types included)', () => {
    const missing = elements.filter((e) => !resolvePath(sd.type as string, e.path));
    expect(missing.map((e) => e.id)).toEqual([]);
  });

  it('has ids that match their paths and slice names', () => {
    for (const e of elements) {
      const id = e.id!;
      expect(id.split('.').map((s) => s.split(':')[0]).join('.')).toBe(e.path);
      const last = id.split('.').pop()!;
      expect(e.sliceName).toBe(last.includes(':') ? last.split(':')[1] : undefined);
    }
    expect(new Set(elements.map((e) => e.id)).size).toBe(elements.length);
  });

  it('declares slicing before any slice of an element', () => {
    for (const e of elements.filter((x) => x.sliceName)) {
      const sliced = e.id!.slice(0, e.id!.lastIndexOf(':'));
      const slicingAt = elements.find((x) => x.id === sliced && x.slicing);
      // Extension slices may rely on the implicit url slicing of the base; ours always declare it.
      expect({ slice: e.id, slicing: !!slicingAt }).toEqual({ slice: e.id, slicing: true });
    }
  });

  it('keeps cardinalities within the base', () => {
    for (const e of elements) {
      const base = resolvePath(sd.type as string, e.path)!;
      const max = (m: string | undefined) => (m === '*' || m === undefined ? Infinity : Number(m));
      if (e.max !== undefined && !e.sliceName) expect(max(e.max)).toBeLessThanOrEqual(max(base.max));
      if (e.min !== undefined && e.max !== undefined) expect(e.min).toBeLessThanOrEqual(max(e.max));
    }
  });

  it('restricts types to ones the base allows, and profiles/targets resolve', () => {
    for (const e of elements.filter((x) => x.type)) {
      const base = resolvePath(sd.type as string, e.path)!;
      const allowed = (base.type ?? []).map((t) => t.code);
      for (const t of e.type!) {
        expect({ id: e.id, type: t.code, ok: allowed.includes(t.code) }).toEqual({ id: e.id, type: t.code, ok: true });
        for (const p of [...(t.profile ?? []), ...(t.targetProfile ?? [])]) {
          expect({ id: e.id, profile: p, known: ours.has(p) || coreByUrl().has(p) }).toEqual({ id: e.id, profile: p, known: true });
        }
      }
    }
  });

  it('binds only to ValueSets it holds or the R4 package holds', () => {
    const valueSets = new Set([...ofType('ValueSet').map((v) => v.url as string), ...coreByUrl().keys()]);
    for (const e of elements.filter((x) => x.binding)) {
      expect(valueSets.has(e.binding!.valueSet!.split('|')[0]!)).toBe(true);
    }
  });

  it('has invariants that parse as FHIRPath and name this profile as source', () => {
    for (const e of elements) {
      for (const c of e.constraint ?? []) {
        expect(c.source).toBe(sd.url);
        expect(c.key).toMatch(/^(ephr-[a-z]+-\d+|mh-\d+)$/);
        expect(() => evaluate({ resourceType: sd.type === 'Extension' ? 'Basic' : (sd.type as string) }, c.expression!)).not.toThrow();
      }
    }
  });
});

it('slices Patient.identifier with the e-PHR id 1..1 by pattern on system', () => {
  const sd = ours.get('http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient')!;
  const el = (id: string) => (sd.differential.element as ElementDefinition[]).find((e) => e.id === id);
  expect(el('Patient.identifier')!.slicing!.discriminator).toEqual([{ type: 'pattern', path: 'system' }]);
  expect(el('Patient.identifier:ephrId')).toMatchObject({ min: 1, max: '1' });
  expect(el('Patient.identifier:ephrId.system')!.patternUri).toBe('http://ephr-fhir.org/fhir/sid/ephr-id');
  expect(el('Patient.identifier:registrationNumber.system')!.patternUri).toBe(
    'http://ephr-fhir.org/fhir/sid/registration-number',
  );
});

it('requires the GBV labels on the GBV response by pattern slices', () => {
  const sd = ours.get('http://ephr-fhir.org/fhir/StructureDefinition/ephr-gbv-response')!;
  const el = (id: string) => (sd.differential.element as ElementDefinition[]).find((e) => e.id === id);
  expect(el('QuestionnaireResponse.meta.security')!.slicing!.discriminator).toEqual([{ type: 'pattern', path: '$this' }]);
  expect(el('QuestionnaireResponse.meta.security:sdv')).toMatchObject({
    min: 1,
    patternCoding: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' },
  });
  expect(el('QuestionnaireResponse.meta.security:restricted')).toMatchObject({
    min: 1,
    patternCoding: { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' },
  });
});

it('gives the migration history exactly the contracted sub-extensions', () => {
  const sd = ours.get('http://ephr-fhir.org/fhir/StructureDefinition/ephr-migration-history')!;
  const urls = (sd.differential.element as ElementDefinition[])
    .filter((e) => e.path.endsWith('.url') && e.id !== 'Extension.url')
    .map((e) => `${e.id!.split('.').slice(0, -1).join('.')}=${e.fixedUri}`);
  expect(urls).toEqual([
    'Extension.extension:countryOfOrigin=countryOfOrigin',
    'Extension.extension:departureDate=departureDate',
    'Extension.extension:transitCountry.extension:country=country',
    'Extension.extension:transitCountry.extension:period=period',
    'Extension.extension:transitCountry=transitCountry',
    'Extension.extension:arrivalDate=arrivalDate',
    'Extension.extension:pointOfEntry=pointOfEntry',
    'Extension.extension:hostCountryArrivalDate=hostCountryArrivalDate',
    'Extension.extension:intendedDestinationCountry=intendedDestinationCountry',
    'Extension.extension:receptionCentre=receptionCentre',
    'Extension.extension:unaccompaniedMinor=unaccompaniedMinor',
  ]);
});

it('resolves paths through data types and rejects unknown ones', () => {
  expect(resolvePath('Patient', 'Patient.birthDate.extension')?.path).toBe('date.extension');
  expect(resolvePath('Condition', 'Condition.meta.security')?.path).toBe('Meta.security');
  expect(resolvePath('Observation', 'Observation.value[x]')?.path).toBe('Observation.value[x]');
  expect(resolvePath('Extension', 'Extension.extension.extension.value[x]')?.path).toBe('Extension.value[x]');
  expect(resolvePath('Patient', 'Patient.identifer')).toBeUndefined();
  expect(resolvePath('Patient', 'Patient.name.surname')).toBeUndefined();
});
