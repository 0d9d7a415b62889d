// Expected LOINC codes of every lab of the lab-test ConceptMap in a mass and a molar unit, written by hand from LOINC
// (loinc.org), not produced by the mapper (issue 18 item 1).
import fs from 'node:fs';
import path from 'node:path';
import type { ConceptMap } from 'fhir/r4';
import { projectRoot } from '../../src/project-root';

const labMap = JSON.parse(
  fs.readFileSync(path.join(projectRoot, 'mappings/concept-maps/lab-test.json'), 'utf8'),
) as ConceptMap;
/** Every source label of the lab-test ConceptMap. */
export const labels = (labMap.group ?? []).flatMap((g) => (g.element ?? []).map((e) => e.code ?? ''));

/** A unit of each kind and the code LOINC gives the test in it (null: no code of the test measures that). */
export interface Expected {
  mass: [unit: string, loinc: string | null];
  molar: [unit: string, loinc: string | null];
  /** The code of a coded result (positive / negative) without a quantity; null when it cannot be told. */
  coded: string | null;
}
export const NONE: Expected = { mass: ['g/L', null], molar: ['mmol/L', null], coded: null };
const presence = (loinc: string): Expected => ({
  mass: ['g/L', null],
  molar: ['mmol/L', null],
  coded: loinc,
});
const hb: Expected = { mass: ['g/dL', '718-7'], molar: ['mmol/L', '59260-0'], coded: null };
const glucose: Expected = { mass: ['mg/dL', '2339-0'], molar: ['mmol/L', '15074-8'], coded: null };
/** HbA1c as a mass fraction (NGSP, %) or a substance fraction (IFCC, mmol/mol). */
const a1c: Expected = { mass: ['%', '4548-4'], molar: ['mmol/mol', '59261-8'], coded: null };
const creatinine: Expected = { mass: ['mg/dL', '2160-0'], molar: ['umol/L', '14682-9'], coded: null };
/** Only the mass concentration is mapped: a ferritin in pmol/L fits no code. */
const ferritin: Expected = { mass: ['ng/mL', '2276-4'], molar: ['pmol/L', null], coded: '2276-4' };

/** From LOINC: 718-7 Hemoglobin [Mass/volume] in Blood, 59260-0 Hemoglobin [Moles/volume] in Blood, 2339-0
 * Glucose [Mass/volume] in Blood, 15074-8 Glucose [Moles/volume] in Blood, 4548-4 Hemoglobin A1c/Hemoglobin.total in
 * Blood (MFr), 59261-8 the same by IFCC protocol (SFr), 2160-0 / 14682-9 Creatinine [Mass/volume] / [Moles/volume] in
 * Serum or Plasma, 2276-4 Ferritin [Mass/volume] in Serum or Plasma; the serologies and hCG are [Presence]. */
export const EXPECTED: Record<string, Expected> = {
  HBsAg: presence('5196-1'),
  'hepatitis B surface antigen': presence('5196-1'),
  AgHBs: presence('5196-1'),
  'anti-HCV': presence('16128-1'),
  'HCV antibody': presence('16128-1'),
  'hepatitis C antibody': presence('16128-1'),
  'HCV Ab': presence('16128-1'),
  'anti-HBc': presence('22316-4'),
  'HBV core antibody': presence('22316-4'),
  'HBc Ab': presence('22316-4'),
  'HIV Ag/Ab': presence('56888-1'),
  'HIV 1/2 Ab + p24 Ag': presence('56888-1'),
  'HIV combo': presence('56888-1'),
  Hemoglobin: hb,
  Haemoglobin: hb,
  Hb: hb,
  hemoglobine: hb,
  'Blood glucose': glucose,
  'Capillary glucose': glucose,
  glycemie: glucose,
  'Urine hCG': presence('2106-3'),
  'Urine pregnancy test': presence('2106-3'),
  'test de grossesse urinaire': presence('2106-3'),
  HbA1c: a1c,
  'Hemoglobin A1c': a1c,
  'Haemoglobin A1c': a1c,
  'glycated hemoglobin': a1c,
  A1C: a1c,
  Creatinine: creatinine,
  'Serum creatinine': creatinine,
  'creatinine serique': creatinine,
  Ferritin: ferritin,
  'Serum ferritin': ferritin,
  ferritine: ferritin,
  IGRA: NONE,
  QuantiFERON: NONE,
  TST: NONE,
  Mantoux: NONE,
  'Chest X-ray': NONE,
  HIV: NONE,
  'Strongyloides serology': NONE,
  'Schistosoma serology': NONE,
  Syphilis: NONE,
};

/** The LOINC property of each code above, from LOINC: what the stored value's unit must measure. */
export const LOINC_PROPERTY: Record<string, string> = {
  '718-7': 'MCnc',
  '59260-0': 'SCnc',
  '2339-0': 'MCnc',
  '15074-8': 'SCnc',
  '4548-4': 'MFr',
  '59261-8': 'SFr',
  '2160-0': 'MCnc',
  '14682-9': 'SCnc',
  '2276-4': 'MCnc',
};

/** A code's property agrees with a unit's: the same, or a fraction of no stated kind (%) for any fraction. */
export function agrees(loincProperty: string | undefined, unit: string | undefined): boolean {
  return (
    loincProperty !== undefined && (loincProperty === unit || (unit === 'Fr' && loincProperty.endsWith('Fr')))
  );
}
