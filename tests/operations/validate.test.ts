// $validate (resource-operation-validate.html) over HTTP: every profile fixture through $validate and through
// create, the Parameters form, the profile parameter, the instance level and mode=update.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4';
import { projectRoot } from '../../src/project-root';
import { startTestServer, type TestServer } from '../support/server';

interface Expectation {
  severity: string;
  code: string;
  expression: string;
}
interface Entry {
  file: string;
  profile?: string;
  expect?: Expectation;
  also?: Expectation[];
}
const fixtures = path.join(projectRoot, 'fixtures', 'profiles');
const manifest = JSON.parse(fs.readFileSync(path.join(fixtures, 'manifest.json'), 'utf8')) as {
  valid: Entry[];
  invalid: Entry[];
};
/** Our extension definitions: their fixtures are validated as the resources that use them. */
const extensionProfiles = new Set(
  fs
    .readdirSync(path.join(projectRoot, 'profiles'))
    .filter((f) => f.startsWith('StructureDefinition-'))
    .map(
      (f) =>
        JSON.parse(fs.readFileSync(path.join(projectRoot, 'profiles', f), 'utf8')) as {
          type: string;
          url: string;
        },
    )
    .filter((sd) => sd.type === 'Extension')
    .map((sd) => sd.url),
);
const read = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8')) as Record<string, unknown>;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const errors = (oo: OperationOutcome): string[] =>
  (oo.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join() ?? ''}: ${i.diagnostics ?? ''}`);
const validateAs = (type: string, body: unknown, query = '') =>
  request(s.url).post(`/fhir/${type}/$validate${query}`).set('Content-Type', FHIR).send(JSON.stringify(body));
/** The resource claiming the profile in meta.profile, so that create validates against it. */
const claiming = (r: Record<string, unknown>, profile?: string): Record<string, unknown> => ({
  ...r,
  meta: { ...(r.meta as object | undefined), profile: profile ? [profile] : [] },
});
const profileParam = (profile?: string): string => (profile ? `?profile=${encodeURIComponent(profile)}` : '');

/**
 * Invalid only for the security labels GBV content must carry: the write pipeline adds SDV + R to GBV content before
 * validation (issue 16 point 6, src/security/labels.ts), so a create stores them labelled; $validate, which checks
 * the resource as sent, still names the issue.
 */
const LABELLED_ON_WRITE = new Set([
  'invalid/condition-gbv-unlabelled.json',
  'invalid/condition-gbv-without-restricted.json',
  'invalid/gbv-labels-condition-ipv-wrong-system.json',
  'invalid/gbv-labels-condition-labels-as-tags.json',
  'invalid/gbv-labels-condition-no-labels.json',
  'invalid/gbv-labels-condition-sdv-only.json',
  'invalid/gbv-labels-condition-snomed-r-only.json',
  'invalid/gbv-labels-observation-enquiry-item.json',
  'invalid/gbv-labels-observation-hits-sdv-only.json',
  'invalid/gbv-labels-observation-ipv-r-only.json',
  'invalid/gbv-labels-observation-labels-as-tags.json',
  'invalid/gbv-labels-observation-no-labels.json',
  'invalid/gbv-response-unlabelled.json',
  'invalid/gbv-response-without-restricted.json',
  'invalid/screening-gbv-unlabelled.json',
]);
const SECURITY_KEYS = [
  'http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV',
  'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R',
];

describe('profile fixtures through $validate and create', () => {
  it.each(manifest.valid.map((e) => [e.file, e] as const))(
    '%s: $validate finds no error, create stores it',
    async (_f, e) => {
      const resource = read(e.file);
      const type = String(resource.resourceType);
      const res = await validateAs(type, resource, profileParam(e.profile)).expect(200);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(errors(res.body)).toEqual([]);
      const created = await request(s.url)
        .post(`/fhir/${type}`)
        .set('Content-Type', FHIR)
        .send(JSON.stringify(claiming(resource, e.profile)));
      expect([created.status, errors(created.body ?? {})]).toEqual([201, []]);
    },
  );

  it.each(manifest.invalid.map((e) => [e.file, e] as const))(
    '%s: $validate names the issue; create is refused with 422 naming it too and stores nothing (or, missing GBV labels alone, stores it labelled)',
    async (_f, e) => {
      const resource = read(e.file);
      const type = String(resource.resourceType);
      // An extension's rules apply wherever it is used: the resource keeps the profile it claims.
      const extension = e.profile !== undefined && extensionProfiles.has(e.profile);
      const res = await validateAs(type, resource, extension ? '' : profileParam(e.profile)).expect(200);
      const expected = [e.expect!, ...(e.also ?? [])];
      const found = (oo: OperationOutcome, want: Expectation): boolean =>
        (oo.issue ?? []).some(
          (i) =>
            i.severity === want.severity &&
            i.code === want.code &&
            (i.expression ?? []).includes(want.expression),
        );
      for (const want of expected)
        expect([found(res.body, want), want.code, want.expression]).toEqual([
          true,
          want.code,
          want.expression,
        ]);
      if (e.expect!.severity !== 'error' || !e.profile) return;
      const tagged = extension ? resource : claiming(resource, e.profile);
      const before = await request(s.url).get(`/fhir/${type}?_summary=count`).expect(200);
      const created = await request(s.url)
        .post(`/fhir/${type}`)
        .set('Content-Type', FHIR)
        .send(JSON.stringify(tagged));
      if (LABELLED_ON_WRITE.has(e.file)) {
        expect(created.status).toBe(201);
        const labels = (created.body.meta.security as Array<{ system: string; code: string }>).map(
          (l) => `${l.system}|${l.code}`,
        );
        expect(labels).toEqual(expect.arrayContaining(SECURITY_KEYS));
        return;
      }
      expect(created.status).toBe(422);
      expect(created.body.resourceType).toBe('OperationOutcome');
      for (const want of expected)
        expect([found(created.body, want), want.code, want.expression]).toEqual([
          true,
          want.code,
          want.expression,
        ]);
      const after = await request(s.url).get(`/fhir/${type}?_summary=count`).expect(200);
      expect(after.body.total).toBe(before.body.total);
    },
  );
});

describe('$validate forms', () => {
  const patient = read(manifest.valid[0]!.file);
  const ephrPatient = 'http://ephr-fhir.org/fhir/StructureDefinition/ephr-patient';

  it('takes a Parameters body with resource and profile', async () => {
    const bare = { resourceType: 'Patient', gender: 'female' };
    const ok = await validateAs('Patient', {
      resourceType: 'Parameters',
      parameter: [{ name: 'resource', resource: bare }],
    }).expect(200);
    expect(errors(ok.body)).toEqual([]);
    const res = await validateAs('Patient', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: bare },
        { name: 'profile', valueUri: ephrPatient },
      ],
    }).expect(200);
    expect(errors(res.body).some((e) => e.startsWith('Patient.identifier'))).toBe(true);
  });

  it('reports an unknown profile instead of passing the resource', async () => {
    const res = await validateAs('Patient', patient, profileParam('http://example.org/no-such-profile'));
    expect(res.status).toBe(200);
    expect(errors(res.body).join()).toMatch(/not known/);
  });

  it('locates base R4 errors with FHIRPath', async () => {
    const res = await validateAs('Patient', { resourceType: 'Patient', birthDate: '1990-13-45' }).expect(200);
    expect(errors(res.body).some((e) => e.startsWith('Patient.birthDate'))).toBe(true);
  });

  it('validates a stored resource at instance level, and checks the id in mode=update', async () => {
    const created = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', gender: 'male' }))
      .expect(201);
    const id = created.body.id as string;
    const stored = await request(s.url).post(`/fhir/Patient/${id}/$validate`).expect(200);
    expect(errors(stored.body)).toEqual([]);
    const wrongId = await request(s.url)
      .post(`/fhir/Patient/${id}/$validate?mode=update`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id: 'other', gender: 'male' }))
      .expect(200);
    expect(errors(wrongId.body).join()).toMatch(/Patient\.id/);
    await request(s.url).post('/fhir/Patient/does-not-exist/$validate').expect(404);
  });

  it('refuses a body of the wrong type with an OperationOutcome', async () => {
    const res = await validateAs('Observation', { resourceType: 'Patient' });
    expect([res.status, res.body.resourceType]).toEqual([200, 'OperationOutcome']);
    expect(errors(res.body).join()).toMatch(/Patient/);
  });
});

describe('writes', () => {
  const count = async (type: string): Promise<number> =>
    (await request(s.url).get(`/fhir/${type}?_summary=count`).expect(200)).body.total as number;
  const create = (body: Record<string, unknown>) =>
    request(s.url)
      .post(`/fhir/${String(body.resourceType)}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify(body));
  const issues = (oo: OperationOutcome, severity: string): string[] =>
    (oo.issue ?? [])
      .filter((i) => i.severity === severity)
      .map((i) => `${i.code} ${i.expression?.join() ?? ''}: ${i.diagnostics ?? ''}`);

  it('refuses a create claiming an unknown profile with 422 that names it, and stores nothing', async () => {
    const before = await count('Patient');
    const res = await create({
      resourceType: 'Patient',
      meta: { profile: ['http://example.org/fhir/StructureDefinition/no-such-profile'] },
      gender: 'female',
    });
    expect(res.status).toBe(422);
    expect(issues(res.body, 'error')).toEqual([
      'not-supported Patient.meta.profile[0]: Profile http://example.org/fhir/StructureDefinition/no-such-profile ' +
        'is not known to this server, so the resource cannot be validated against it',
    ]);
    expect(await count('Patient')).toBe(before);
  });

  it('stores a resource that holds only its resourceType; an empty element is still refused (ele-1)', async () => {
    const bare = await validateAs('Patient', { resourceType: 'Patient' }).expect(200);
    expect(issues(bare.body, 'error')).toEqual([]);
    // A Parameters body of $validate is the operation's own: the bare Parameters goes in its `resource` part.
    const parameters = await validateAs('Parameters', {
      resourceType: 'Parameters',
      parameter: [{ name: 'resource', resource: { resourceType: 'Parameters' } }],
    }).expect(200);
    expect(issues(parameters.body, 'error')).toEqual([]);
    const created = await create({ resourceType: 'Patient' }).expect(201);
    expect(created.body.resourceType).toBe('Patient');
    const empty = await create({ resourceType: 'Patient', name: [{}] });
    expect(empty.status).toBeGreaterThanOrEqual(400);
    expect(empty.status).toBeLessThan(500);
    expect(issues(empty.body, 'error').join()).toMatch(/Patient\.name\[0\]: /);
  });

  it('refuses a string over 1 MB with 422 at the element, and stores nothing', async () => {
    const before = await count('Patient');
    const res = await create({ resourceType: 'Patient', name: [{ text: 'x'.repeat(1024 * 1024 + 1) }] });
    expect(res.status).toBe(422);
    expect(issues(res.body, 'error')).toEqual([
      'value Patient.name[0].text: a string SHALL NOT exceed 1 MB (1048576 bytes in UTF-8); this one has 1048577 bytes',
    ]);
    expect(await count('Patient')).toBe(before);
  });

  it('lists errors before warnings and information, and carries each text in details.text', async () => {
    const body = {
      resourceType: 'Patient',
      // a warning (extensible binding) at an element that comes before the error's (language missing) in Patient
      maritalStatus: { coding: [{ system: 'http://example.org/fhir/marital', code: 'engaged' }] },
      communication: [{ preferred: true }],
    };
    for (const res of [await validateAs('Patient', body).expect(200), await create(body).expect(422)]) {
      const oo = res.body as OperationOutcome;
      const severities = (oo.issue ?? []).map((i) => i.severity);
      expect(severities).toContain('warning');
      expect(severities.indexOf('error')).toBe(0);
      expect(severities.lastIndexOf('error')).toBeLessThan(severities.indexOf('warning'));
      for (const i of oo.issue ?? []) expect(i.details?.text).toBe(i.diagnostics);
    }
    const ok = await validateAs('Patient', { resourceType: 'Patient', gender: 'male' }).expect(200);
    expect(ok.body.issue[0].details.text).toBe(ok.body.issue[0].diagnostics);
  });

  it('stores a national id typed with a code of later HL7 terminology (v2-0203#NNFIN), with warnings only', async () => {
    const body = {
      resourceType: 'Patient',
      identifier: [
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NNFIN' }] },
          value: '010190-123A',
        },
      ],
    };
    const res = await validateAs('Patient', body).expect(200);
    expect(issues(res.body, 'error')).toEqual([]);
    expect(issues(res.body, 'warning')).toContainEqual(
      expect.stringMatching(/^code-invalid Patient\.identifier\[0\]\.type\.coding\[0\]\.code: Code 'NNFIN'/),
    );
    const created = await create(body).expect(201);
    expect(created.body.identifier).toEqual(body.identifier);
  });

  it('stores a resource that misses an extensible binding, with a warning at the element', async () => {
    const body = {
      resourceType: 'Patient',
      maritalStatus: { coding: [{ system: 'http://example.org/fhir/marital', code: 'engaged' }] },
    };
    const res = await validateAs('Patient', body).expect(200);
    expect(issues(res.body, 'error')).toEqual([]);
    expect(issues(res.body, 'warning')).toContainEqual(
      expect.stringMatching(/^code-invalid Patient\.maritalStatus: .*extensible value set/),
    );
    const created = await create(body).expect(201);
    expect(created.body.maritalStatus).toEqual(body.maritalStatus);
  });

  it('says a SNOMED CT code was checked for its system only (the code system is not held)', async () => {
    const body = {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
        ],
      },
      patient: { reference: 'Patient/example' },
      reaction: [
        {
          manifestation: [{ text: 'rash' }],
          extension: [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/openEHR-location',
              valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '368208006' }] },
            },
          ],
        },
      ],
    };
    const res = await validateAs('AllergyIntolerance', body).expect(200);
    expect(issues(res.body, 'error')).toEqual([]);
    expect(issues(res.body, 'information')).toContain(
      'informational AllergyIntolerance.reaction[0].extension[0].value.ofType(CodeableConcept): ' +
        "Code '368208006' of http://snomed.info/sct was checked for its system only (the code system is not held locally)",
    );
    await create(body).expect(201);
  });

  it.each([
    [
      'a Coding whose system is not a string',
      { coding: [{ system: 42, code: 'M' }] },
      'Patient.maritalStatus.coding[0].system',
    ],
    ['a CodeableConcept whose coding is not an array', { coding: 42 }, 'Patient.maritalStatus.coding'],
  ])('answers 422, not 500, for %s', async (_name, maritalStatus, expression) => {
    const res = await create({ resourceType: 'Patient', maritalStatus });
    expect(res.status).toBe(422);
    expect(issues(res.body, 'error').some((i) => i.startsWith(`structure ${expression}: `))).toBe(true);
  });

  it('refuses a PUT of an invalid resource with 422; nothing is stored, the current version stays', async () => {
    const absent = await request(s.url)
      .put('/fhir/Patient/put-invalid-new')
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id: 'put-invalid-new', birthDate: '2023-02-31' }));
    expect(absent.status).toBe(422);
    expect(issues(absent.body, 'error').join()).toMatch(/^value Patient\.birthDate: /);
    await request(s.url).get('/fhir/Patient/put-invalid-new').expect(404);

    const created = await create({ resourceType: 'Patient', gender: 'male' }).expect(201);
    const id = created.body.id as string;
    const res = await request(s.url)
      .put(`/fhir/Patient/${id}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'Patient', id, gender: 'none-of-these' }));
    expect(res.status).toBe(422);
    expect(issues(res.body, 'error').join()).toMatch(/^code-invalid Patient\.gender: /);
    const read = await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
    expect([read.body.meta.versionId, read.body.gender]).toEqual(['1', 'male']);
    const history = await request(s.url).get(`/fhir/Patient/${id}/_history`).expect(200);
    expect(history.body.total).toBe(1);
  });
});
