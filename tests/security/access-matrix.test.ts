// The access matrix of issue 16: callers (role × scope × clinic × patient context) against resources (labels ×
// owning clinic × Consent), through every read path: read, vread, search (matches, totals, _security, includes,
// revincludes, chains, _has), history (instance and type) and transaction GET entries. The expected visibility is
// written out below by hand from the rules, not computed by the server's code: every cell is asserted.
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { startTestIssuer, type TestIssuer } from '../support/issuer';

const SDV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' };
const R = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
const SDV_Q = 'http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV';
const FAMILY = `Matrix${Date.now()}`;

let srv: TestServer;
let idp: TestIssuer;

type Key = 'pA' | 'oA' | 'gA' | 'cA' | 'pD' | 'oD' | 'consD' | 'pP' | 'gP' | 'consP' | 'pB' | 'oB';
const TYPE: Record<Key, string> = {
  pA: 'Patient',
  oA: 'Observation',
  gA: 'Observation',
  cA: 'Condition',
  pD: 'Patient',
  oD: 'Observation',
  consD: 'Consent',
  pP: 'Patient',
  gP: 'Observation',
  consP: 'Consent',
  pB: 'Patient',
  oB: 'Observation',
};
const ALL = Object.keys(TYPE) as Key[];
const id = (k: Key): string => `mx-${k.toLowerCase()}`;
const ref = (k: Key): string => `${TYPE[k]}/${id(k)}`;
const keyOf = new Map(ALL.map((k) => [ref(k), k]));

const patient = (k: Key): object => ({
  resourceType: 'Patient',
  id: id(k),
  name: [{ family: FAMILY, given: [k] }],
});
const obs = (k: Key, subject: Key, gbv = false): object => ({
  resourceType: 'Observation',
  id: id(k),
  ...(gbv && { meta: { security: [SDV, R] } }),
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: gbv ? '76499-3' : '8867-4' }] },
  subject: { reference: ref(subject) },
  ...(gbv
    ? { valueBoolean: true }
    : { valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }),
});
const consent = (k: Key, subject: Key, provision: object): object => ({
  resourceType: 'Consent',
  id: id(k),
  status: 'active',
  scope: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
  },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: ref(subject) },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  provision,
});

/** Each caller: its token's claims, and what it must see — written from the rules by hand. */
interface Caller {
  claims: Record<string, unknown>;
  sees: Key[];
  /** Types its scopes do not name: reads and searches of them answer 403. */
  forbidden?: string[];
  breakGlass?: Key;
}
const everyOfA: Key[] = ['pA', 'oA', 'gA', 'cA', 'pD', 'oD', 'consD', 'pP', 'gP', 'consP'];
const CALLERS: Record<string, Caller> = {
  'A clinician with gbv-care': {
    claims: { sub: 'u-a1', client_id: 'ehr-a', clinic: 'A', scope: 'user/*.rs', roles: ['gbv-care'] },
    sees: [...everyOfA, 'pB', 'oB'],
  },
  'A clinician': {
    claims: { sub: 'u-a2', client_id: 'ehr-a', clinic: 'A', scope: 'user/*.rs', roles: [] },
    sees: ['pA', 'oA', 'pD', 'oD', 'consD', 'pP', 'consP', 'pB', 'oB'],
  },
  'B clinician with gbv-care': {
    claims: { sub: 'u-b1', client_id: 'ehr-b', clinic: 'B', scope: 'user/*.rs', roles: ['gbv-care'] },
    // pD's Consent denies sharing; pP's permits its GBV data to B
    sees: ['pB', 'oB', 'pA', 'oA', 'pP', 'consP', 'gP'],
  },
  'B clinician': {
    claims: { sub: 'u-b2', client_id: 'ehr-b', clinic: 'B', scope: 'user/*.rs' },
    sees: ['pB', 'oB', 'pA', 'oA', 'pP', 'consP'],
  },
  'B clinician, v1 scopes': {
    claims: { sub: 'u-b3', client_id: 'ehr-b', clinic: 'B', scope: 'user/*.read' },
    sees: ['pB', 'oB', 'pA', 'oA', 'pP', 'consP'],
  },
  'B client with Observation scope only': {
    claims: {
      sub: 'ehr-b',
      client_id: 'ehr-b',
      clinic: 'B',
      scope: 'system/Observation.rs',
      roles: ['gbv-care'],
    },
    sees: ['oB', 'oA', 'gP'],
    forbidden: ['Patient', 'Consent', 'Condition'],
  },
  "pA's own app (patient/ scope)": {
    claims: { sub: 'u-pa', client_id: 'app', clinic: 'A', scope: 'patient/*.rs', patient: id('pA') },
    sees: ['pA', 'oA'],
  },
  'B clinician after break-glass on pD': {
    claims: { sub: 'u-b4', client_id: 'ehr-b', clinic: 'B', scope: 'user/*.rs', roles: ['break-glass'] },
    sees: ['pB', 'oB', 'pA', 'oA', 'pP', 'consP', 'pD', 'oD', 'consD'],
    breakGlass: 'pD',
  },
};

const tokens = new Map<string, string>();
const as = (who: string) => ({ Authorization: `Bearer ${tokens.get(who)!}` });

async function put(token: string, resource: { resourceType: string; id: string }): Promise<void> {
  const res = await request(srv.base)
    .put(`/${resource.resourceType}/${resource.id}`)
    .set({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' })
    .send(JSON.stringify(resource));
  if (res.status >= 300)
    throw new Error(`${resource.resourceType}/${resource.id}: ${res.status} ${res.text}`);
}

beforeAll(async () => {
  idp = await startTestIssuer();
  srv = await startTestServer({ DEV_UNAUTHENTICATED: '', AUTH_ISSUER: idp.url });
  idp.audience = srv.base;
  const writerA = await idp.token({
    sub: 'w-a',
    client_id: 'w-a',
    clinic: 'A',
    scope: 'system/*.cruds',
    roles: ['gbv-care'],
  });
  const writerB = await idp.token({
    sub: 'w-b',
    client_id: 'w-b',
    clinic: 'B',
    scope: 'system/*.cruds',
    roles: ['gbv-care'],
  });
  for (const k of ['pA', 'pD', 'pP'] as Key[]) await put(writerA, patient(k) as never);
  await put(writerA, obs('oA', 'pA') as never);
  await put(writerA, obs('gA', 'pA', true) as never);
  await put(writerA, {
    resourceType: 'Condition',
    id: id('cA'),
    meta: { security: [SDV, R] },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'T74.2' }] },
    subject: { reference: ref('pA') },
  } as never);
  await put(writerA, obs('oD', 'pD') as never);
  await put(writerA, consent('consD', 'pD', { type: 'deny' }) as never);
  await put(writerA, obs('gP', 'pP', true) as never);
  await put(
    writerA,
    consent('consP', 'pP', {
      type: 'permit',
      provision: [
        {
          type: 'permit',
          actor: [{ role: { text: 'care' }, reference: { reference: 'Organization/B' } }],
          securityLabel: [SDV],
        },
      ],
    }) as never,
  );
  await put(writerB, patient('pB') as never);
  await put(writerB, obs('oB', 'pB') as never);
  for (const [who, c] of Object.entries(CALLERS)) {
    tokens.set(who, await idp.token(c.claims));
    if (c.breakGlass) {
      await request(srv.base)
        .post(`/Patient/${id(c.breakGlass)}/$break-glass`)
        .set({ ...as(who), 'Content-Type': 'application/fhir+json' })
        .send(
          JSON.stringify({
            resourceType: 'Parameters',
            parameter: [{ name: 'reason', valueString: 'unconscious on arrival, allergy history needed' }],
          }),
        )
        .expect(200);
    }
  }
}, 120_000);

afterAll(async () => {
  await srv?.close();
  await idp?.close();
});

const keysIn = (bundle: { entry?: Array<{ resource?: { resourceType: string; id: string } }> }): Key[] =>
  (bundle.entry ?? [])
    .map((e) => keyOf.get(`${e.resource?.resourceType}/${e.resource?.id}`))
    .filter((k): k is Key => k !== undefined)
    .sort();
const sorted = (ks: Key[]): Key[] => [...ks].sort();
const forbiddenType = (c: Caller, type: string): boolean => c.forbidden?.includes(type) ?? false;
const TYPES = ['Patient', 'Observation', 'Condition', 'Consent'];

describe.each(Object.entries(CALLERS))('%s', (who, caller) => {
  const visible = (k: Key): boolean => caller.sees.includes(k);

  it.each(ALL)('read and vread of %s', async (k) => {
    const read = await request(srv.base)
      .get(`/${ref(k)}`)
      .set(as(who));
    const vread = await request(srv.base)
      .get(`/${ref(k)}/_history/1`)
      .set(as(who));
    const expected = forbiddenType(caller, TYPE[k]) ? 403 : visible(k) ? 200 : 404;
    expect([read.status, vread.status]).toEqual([expected, expected]);
    if (expected === 404) expect(read.text).not.toContain(id(k).slice(3) + '"'); // nothing of it in the answer
  });

  it.each(TYPES)('search of %s: matches and total', async (type) => {
    const res = await request(srv.base).get(`/${type}?_count=100&_total=accurate`).set(as(who));
    if (forbiddenType(caller, type)) return void expect(res.status).toBe(403);
    expect(res.status).toBe(200);
    const want = sorted(caller.sees.filter((k) => TYPE[k] === type));
    expect(keysIn(res.body)).toEqual(want);
    expect(res.body.total).toBe(res.body.entry?.length ?? 0);
  });

  it('search by the SDV label reveals only what it may see', async () => {
    for (const type of ['Observation', 'Condition']) {
      const res = await request(srv.base)
        .get(`/${type}?_security=${encodeURIComponent(SDV_Q)}&_total=accurate`)
        .set(as(who));
      if (forbiddenType(caller, type)) {
        expect(res.status).toBe(403);
        continue;
      }
      const want = sorted(caller.sees.filter((k) => TYPE[k] === type && ['gA', 'cA', 'gP'].includes(k)));
      expect([type, keysIn(res.body), res.body.total]).toEqual([type, want, want.length]);
      // the labels travel with the entries of a search Bundle (not only with a read)
      for (const e of res.body.entry ?? []) expect(e.resource.meta.security).toContainEqual(SDV);
    }
  });

  it('a search for a GBV code, or its count, does not reveal that a match exists', async () => {
    if (forbiddenType(caller, 'Observation')) return;
    const want = sorted(caller.sees.filter((k) => ['gA', 'gP'].includes(k)));
    const res = await request(srv.base).get('/Observation?code=http://loinc.org|76499-3').set(as(who));
    const count = await request(srv.base).get('/Observation?code=76499-3&_summary=count').set(as(who));
    expect([keysIn(res.body), count.body.total]).toEqual([want, want.length]);
  });

  it('includes and revincludes add only what it may see', async () => {
    if (forbiddenType(caller, 'Patient')) {
      const inc = await request(srv.base)
        .get(`/Observation?_include=Observation:subject&_count=100`)
        .set(as(who));
      expect(inc.status).toBe(200);
      expect(keysIn(inc.body).filter((k) => TYPE[k] === 'Patient')).toEqual([]);
      return;
    }
    const inc = await request(srv.base)
      .get(`/Observation?_include=Observation:subject&_count=100`)
      .set(as(who));
    const rev = await request(srv.base)
      .get(
        `/Patient?family=${FAMILY}&_revinclude=Observation:subject&_revinclude=Condition:subject&_revinclude=Consent:patient&_count=100`,
      )
      .set(as(who));
    const ofType = (t: string[]) => sorted(caller.sees.filter((k) => t.includes(TYPE[k])));
    const incKeys = keysIn(inc.body);
    // every included Patient is visible; the matched Observations are exactly the visible ones
    expect(incKeys.filter((k) => TYPE[k] === 'Observation')).toEqual(ofType(['Observation']));
    expect(incKeys.filter((k) => !caller.sees.includes(k))).toEqual([]);
    expect(keysIn(rev.body)).toEqual(ofType(['Patient', 'Observation', 'Condition', 'Consent']));
  });

  it('chains and _has find only through what it may see', async () => {
    if (forbiddenType(caller, 'Patient')) {
      const chain = await request(srv.base).get(`/Observation?subject:Patient.family=${FAMILY}`).set(as(who));
      // the chain's target type is not in its scopes: nothing is found through it
      expect([chain.status, keysIn(chain.body)]).toEqual([200, []]);
      return;
    }
    const chain = await request(srv.base)
      .get(`/Observation?subject:Patient.family=${FAMILY}&_count=100`)
      .set(as(who));
    const observations = sorted(
      caller.sees.filter((k) => TYPE[k] === 'Observation' && caller.sees.includes(obsSubject[k]!)),
    );
    expect(keysIn(chain.body)).toEqual(observations);
    const has = await request(srv.base)
      .get(`/Patient?_has:Observation:subject:_security=${encodeURIComponent(SDV_Q)}&_total=accurate`)
      .set(as(who));
    // patients with a restricted Observation it may see
    const want = sorted(
      (['gA', 'gP'] as Key[])
        .filter((g) => caller.sees.includes(g) && caller.sees.includes(obsSubject[g]!))
        .map((g) => obsSubject[g]!),
    );
    expect([keysIn(has.body), has.body.total]).toEqual([want, want.length]);
  });

  it('history: each instance, the Observation type and the system show only what it may see', async () => {
    for (const k of ALL) {
      const res = await request(srv.base)
        .get(`/${ref(k)}/_history`)
        .set(as(who));
      if (forbiddenType(caller, TYPE[k])) {
        expect([k, res.status]).toEqual([k, 403]);
        continue;
      }
      expect([k, res.status, keysIn(res.body)]).toEqual([k, 200, visible(k) ? [k] : []]);
    }
    const system = await request(srv.base).get(`/_history?_count=500`).set(as(who));
    expect(system.status).toBe(200);
    expect(sorted([...new Set(keysIn(system.body))])).toEqual(sorted(caller.sees));
    const type = await request(srv.base).get(`/Observation/_history?_count=100`).set(as(who));
    expect(type.status).toBe(200);
    expect(keysIn(type.body)).toEqual(sorted(caller.sees.filter((k) => TYPE[k] === 'Observation')));
    // a total, when given, counts only what it may see (entries left out of a page drop it)
    expect([undefined, type.body.entry?.length ?? 0]).toContain(type.body.total);
  });

  it('paging one at a time and compartment searches see the same', async () => {
    const seen: Key[] = [];
    let url: string | undefined = `${srv.base}/Observation?_count=1`;
    for (let pages = 0; url && pages < 20; pages++) {
      const res: request.Response = await request(url).get('').set(as(who));
      expect(res.status).toBe(200);
      seen.push(...keysIn(res.body));
      url = (res.body.link as Array<{ relation: string; url: string }>).find(
        (l) => l.relation === 'next',
      )?.url;
    }
    expect(sorted(seen)).toEqual(sorted(caller.sees.filter((k) => TYPE[k] === 'Observation')));
    for (const p of ['pA', 'pD', 'pP', 'pB'] as Key[]) {
      const res = await request(srv.base)
        .get(`/Patient/${id(p)}/Observation`)
        .set(as(who));
      const want = sorted(caller.sees.filter((k) => TYPE[k] === 'Observation' && obsSubject[k] === p));
      expect([p, res.status, keysIn(res.body)]).toEqual([p, 200, want]);
    }
  });

  it('transaction GET entries see what a read sees', async () => {
    const res = await request(srv.base)
      .post('/')
      .set({ ...as(who), 'Content-Type': 'application/fhir+json' })
      .send(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: ALL.map((k) => ({ request: { method: 'GET', url: ref(k) } })),
        }),
      );
    expect(res.status).toBe(200);
    const statuses = (res.body.entry as Array<{ response: { status: string } }>).map((e) =>
      e.response.status.slice(0, 3),
    );
    expect(statuses).toEqual(
      ALL.map((k) => (forbiddenType(caller, TYPE[k]) ? '403' : visible(k) ? '200' : '404')),
    );
  });
});

const obsSubject: Partial<Record<Key, Key>> = { oA: 'pA', gA: 'pA', oD: 'pD', gP: 'pP', oB: 'pB' };

describe('authentication', () => {
  it('401 without a token, with a bad one, an expired one, another audience or another key', async () => {
    const expired = await idp.token({ sub: 'x', clinic: 'A', scope: 'user/*.rs' }, { expiresIn: '-1m' });
    const otherAud = await idp.token(
      { sub: 'x', clinic: 'A', scope: 'user/*.rs' },
      { audience: 'https://elsewhere/fhir' },
    );
    const otherKey = await idp.token({ sub: 'x', clinic: 'A', scope: 'user/*.rs' }, { key: 'other' });
    const noClinic = await idp.token({ sub: 'x', scope: 'user/*.rs' });
    const badScope = await idp.token({ sub: 'x', clinic: 'A', scope: 'patient/*.search' });
    const noPatient = await idp.token({ sub: 'x', clinic: 'A', scope: 'patient/*.rs' });
    for (const auth of [
      undefined,
      'Bearer nonsense',
      `Bearer ${expired}`,
      `Bearer ${otherAud}`,
      `Bearer ${otherKey}`,
      `Bearer ${noClinic}`,
      `Bearer ${badScope}`,
      `Bearer ${noPatient}`,
      `Basic abc`,
    ]) {
      const res = await request(srv.base)
        .get(`/Patient/${id('pA')}`)
        .set(auth ? { Authorization: auth } : {});
      expect([auth, res.status, res.body.resourceType]).toEqual([auth, 401, 'OperationOutcome']);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.text).not.toContain(FAMILY);
    }
  });

  it('GET /fhir/metadata is public; 403 names the missing scope', async () => {
    await request(srv.base).get('/metadata').expect(200);
    const res = await request(srv.base)
      .get(`/Patient/${id('pA')}`)
      .set(as('B client with Observation scope only'));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
  });
});
