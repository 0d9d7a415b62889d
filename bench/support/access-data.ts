// The access benchmark's data set: two clinics, each writing its own Patients and Observations through its own
// token (so the server tags each resource with the clinic that owns it), one GBV screening Observation per patient
// (labelled SDV + R by the server from its content: security/labels.ts), and privacy Consents of clinic A's patients
// that deny clinic B their ordinary data or open their GBV data to it (security/consent.ts).

export const CLINICS = ['clinic-a', 'clinic-b'] as const;
export type Clinic = (typeof CLINICS)[number];

export const FAMILIES = [
  'Al-Hassan',
  'Mohammed',
  'Ahmadi',
  'Hussein',
  'Ibrahim',
  'Yusuf',
  'Abdi',
  'Haile',
  'Karimi',
  'Rahimi',
];
/** Ordinary Observations per patient (heart rate), besides its one GBV screening Observation. */
export const ORDINARY_PER_PATIENT = 4;

export interface DataShape {
  /** Patients per clinic. */
  patients: number;
  /** Clinic A patients (the first ones) whose Consent keeps their ordinary data from clinic B. */
  denying: number;
  /** The next clinic A patients, whose Consent opens their GBV data to clinic B. */
  opening: number;
}

const LOINC = 'http://loinc.org';
const short = (c: Clinic): string => c.slice(-1);
export const patientId = (c: Clinic, i: number): string => `ac-${short(c)}-p${i}`;
export const observationId = (c: Clinic, i: number, j: number): string => `ac-${short(c)}-o${i}-${j}`;
const gbvId = (c: Clinic, i: number): string => `ac-${short(c)}-g${i}`;

export function patient(c: Clinic, i: number): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: patientId(c, i),
    identifier: [{ system: `urn:ephr-bench:${c}`, value: `${c}-${i}` }],
    name: [{ family: FAMILIES[i % FAMILIES.length], given: [`Given${i}`] }],
    gender: i % 2 ? 'male' : 'female',
    birthDate: String(1960 + (i % 50)),
  };
}

/** A heart rate vital sign: ordinary data. `id` absent: for creates. */
export function heartRate(subject: string, id?: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    ...(id !== undefined && { id }),
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: '2024-03-14T10:32:00+02:00',
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** A HARK screening answer: GBV content by its LOINC code, sent without labels (the server adds SDV + R). */
function screening(subject: string, id: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '76499-3' }] },
    subject: { reference: `Patient/${subject}` },
    valueBoolean: true,
  };
}

function consent(subject: string, provision: object): Record<string, unknown> {
  return {
    resourceType: 'Consent',
    id: `ac-consent-${subject}`,
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: LOINC, code: '59284-0' }] }],
    patient: { reference: `Patient/${subject}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision,
  };
}

/** Every resource `clinic` writes, in order (a patient before what references it). */
export function clinicResources(c: Clinic, shape: DataShape): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < shape.patients; i++) {
    const p = patientId(c, i);
    out.push(patient(c, i));
    for (let j = 0; j < ORDINARY_PER_PATIENT; j++) out.push(heartRate(p, observationId(c, i, j)));
    out.push(screening(p, gbvId(c, i)));
  }
  if (c === 'clinic-a') {
    for (let i = 0; i < shape.denying; i++) out.push(consent(patientId(c, i), { type: 'deny' }));
    for (let i = shape.denying; i < shape.denying + shape.opening; i++)
      out.push(
        consent(patientId(c, i), {
          type: 'permit',
          provision: [
            {
              type: 'permit',
              actor: [{ role: { text: 'care' }, reference: { reference: 'Organization/clinic-b' } }],
              securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' }],
            },
          ],
        }),
      );
  }
  return out;
}

/** Writes `resources` as transaction Bundles of `PUT Type/id` (100 entries each) with `headers`. */
export async function loadTransactions(
  url: string,
  resources: Array<Record<string, unknown>>,
  headers: Record<string, string>,
): Promise<void> {
  for (let i = 0; i < resources.length; i += 100) {
    const entry = resources.slice(i, i + 100).map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${String(r.resourceType)}/${String(r.id)}` },
    }));
    const res = await fetch(`${url}/fhir`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headers },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    if (res.status !== 200) throw new Error(`loading the data set: ${res.status} ${await res.text()}`);
  }
}

/**
 * Clinic A's ordinary Observations that every caller of the benchmark may read (none of a denying patient), and
 * the clinic A patients whose Observations every caller may search (the same patients).
 */
export function sharedTargets(shape: DataShape): { observations: string[]; patients: string[] } {
  const observations: string[] = [];
  const patients: string[] = [];
  for (let i = shape.denying; i < shape.patients; i++) {
    patients.push(patientId('clinic-a', i));
    for (let j = 0; j < ORDINARY_PER_PATIENT; j++) observations.push(observationId('clinic-a', i, j));
  }
  return { observations, patients };
}
