// REST core: create, read, vread, update, delete with versions, ETags and preconditions (issue 3, points 2-5, 7, 9, 10).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
const post = (type: string, body: unknown) =>
  request(s.url).post(`/fhir/${type}`).set('Content-Type', FHIR).send(JSON.stringify(body));
const put = (type: string, id: string, body: unknown) =>
  request(s.url).put(`/fhir/${type}/${id}`).set('Content-Type', FHIR).send(JSON.stringify(body));

const patient = { resourceType: 'Patient', name: [{ family: 'Haddad', given: ['Amal'] }], gender: 'female' };

describe('create', () => {
  it('assigns id and meta, answers 201 with Location, ETag and Last-Modified', async () => {
    const res = await post('Patient', { ...patient, id: 'client-chosen', meta: { versionId: '7' } }).expect(
      201,
    );
    const id = res.body.id as string;
    expect(id).not.toBe('client-chosen');
    expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(res.body.meta.versionId).toBe('1');
    expect(Date.parse(res.body.meta.lastUpdated)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers.location).toBe(`${s.base}/Patient/${id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(new Date(res.headers['last-modified'] as string).getTime()).toBeGreaterThan(0);
    expect(res.body.name).toEqual(patient.name);
  });

  it('rejects a body whose resourceType does not match the URL', async () => {
    const res = await post('Observation', patient).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await request(s.url)
      .post('/fhir/Patient')
      .set('Content-Type', FHIR)
      .send('{"resourceType": "Patient",');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/not well-formed JSON/);
  });

  it('keeps decimal precision exactly (1.50 stays 1.50)', async () => {
    const text =
      '{"resourceType":"Observation","status":"final","code":{"text":"t"},' +
      '"valueQuantity":{"value":1.50,"unit":"mmol/L"},"component":[{"code":{"text":"c"},"valueQuantity":{"value":100.0e0}}]}';
    const res = await request(s.url)
      .post('/fhir/Observation')
      .set('Content-Type', FHIR)
      .send(text)
      .expect(201);
    expect(res.text).toContain('"value":1.50');
    const back = await request(s.url).get(`/fhir/Observation/${res.body.id}`).expect(200);
    expect(back.text).toContain('"valueQuantity":{"value":1.50,"unit":"mmol/L"}');
    expect(back.text).toContain('"value":100.0e0');
  });
});

describe('read', () => {
  it('answers 200 with ETag and Last-Modified, 404 for unknown, 400 for a bad id', async () => {
    const id = (await post('Patient', patient)).body.id as string;
    const res = await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers['last-modified']).toBeDefined();
    expect(res.body.id).toBe(id);
    expect((await request(s.url).get('/fhir/Patient/does-not-exist')).status).toBe(404);
    expect((await request(s.url).get('/fhir/Patient/bad_id!')).status).toBe(400);
    expect((await request(s.url).get(`/fhir/Patient/${'x'.repeat(65)}`)).status).toBe(400);
  });

  it('answers 304 for If-None-Match and If-Modified-Since', async () => {
    const created = await post('Patient', patient);
    const id = created.body.id as string;
    await request(s.url).get(`/fhir/Patient/${id}`).set('If-None-Match', 'W/"1"').expect(304);
    await request(s.url).get(`/fhir/Patient/${id}`).set('If-None-Match', 'W/"2"').expect(200);
    const lm = created.headers['last-modified'] as string;
    await request(s.url).get(`/fhir/Patient/${id}`).set('If-Modified-Since', lm).expect(304);
    await request(s.url)
      .get(`/fhir/Patient/${id}`)
      .set('If-Modified-Since', 'Mon, 01 Jan 2001 00:00:00 GMT')
      .expect(200);
  });
});

describe('update', () => {
  it('adds a version, requires the id of the URL, and answers 412 on a stale If-Match', async () => {
    const id = (await post('Patient', patient)).body.id as string;
    const v2 = await put('Patient', id, { ...patient, id, gender: 'other' }).expect(200);
    expect(v2.body.meta.versionId).toBe('2');
    expect(v2.headers.etag).toBe('W/"2"');
    await put('Patient', id, { ...patient, id: 'other-id' }).expect(400);
    await put('Patient', id, patient).expect(400);
    const stale = await put('Patient', id, { ...patient, id, gender: 'male' }).set('If-Match', 'W/"1"');
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    await put('Patient', id, { ...patient, id, gender: 'male' })
      .set('If-Match', 'W/"2"')
      .expect(200);
    await put('Patient', id, { ...patient, id, gender: 'male' })
      .set('If-Match', 'garbage')
      .expect(400);
  });

  it('creates with PUT to a new id (update-as-create)', async () => {
    const res = await put('Patient', 'chosen-by-client-1', { ...patient, id: 'chosen-by-client-1' }).expect(
      201,
    );
    expect(res.body.meta.versionId).toBe('1');
    expect(res.headers.location).toBe(`${s.base}/Patient/chosen-by-client-1/_history/1`);
  });

  it('does not add a version when the content is unchanged (meta ignored)', async () => {
    const id = (await post('Patient', patient)).body.id as string;
    const same = await put('Patient', id, {
      ...patient,
      id,
      meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z' },
    });
    expect(same.status).toBe(200);
    expect(same.body.meta.versionId).toBe('1');
    const reordered = {
      id,
      gender: 'female',
      name: [{ given: ['Amal'], family: 'Haddad' }],
      resourceType: 'Patient',
    };
    expect((await put('Patient', id, reordered)).body.meta.versionId).toBe('1');
    // A security label is content: changing it must make a new version.
    const labelled = {
      ...patient,
      id,
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
    };
    expect((await put('Patient', id, labelled)).body.meta.versionId).toBe('2');
  });
});

describe('vread and delete', () => {
  it('keeps every version readable, records the delete, answers 410, and revives on PUT', async () => {
    const id = (await post('Patient', patient)).body.id as string;
    await put('Patient', id, { ...patient, id, gender: 'unknown' }).expect(200);
    const del = await request(s.url).delete(`/fhir/Patient/${id}`).expect(200);
    expect(del.body.resourceType).toBe('OperationOutcome');
    expect(del.headers.etag).toBe('W/"3"');
    const gone = await request(s.url).get(`/fhir/Patient/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.resourceType).toBe('OperationOutcome');
    expect((await request(s.url).get(`/fhir/Patient/${id}/_history/1`).expect(200)).body.gender).toBe(
      'female',
    );
    expect((await request(s.url).get(`/fhir/Patient/${id}/_history/2`).expect(200)).body.gender).toBe(
      'unknown',
    );
    expect((await request(s.url).get(`/fhir/Patient/${id}/_history/3`)).status).toBe(410);
    expect((await request(s.url).get(`/fhir/Patient/${id}/_history/4`)).status).toBe(404);
    // idempotent: deleting again or deleting the unknown adds nothing
    await request(s.url).delete(`/fhir/Patient/${id}`).expect(200);
    await request(s.url).delete('/fhir/Patient/never-existed').expect(200);
    const hist = await request(s.url).get(`/fhir/Patient/${id}/_history`).expect(200);
    expect(hist.body.total).toBe(3);
    const back = await put('Patient', id, { ...patient, id }).expect(201);
    expect(back.body.meta.versionId).toBe('4');
    await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
  });
});

describe('Prefer: return', () => {
  type Write = 'create' | 'update' | 'update-as-create' | 'JSON Patch' | 'FHIRPath Patch';
  /** One write of each kind that sets Patient.active to `active`; `status` is the answer it must get. */
  async function write(kind: Write, active: boolean, prefer?: string) {
    const made = await post('Patient', patient).expect(201);
    const id = kind === 'update-as-create' ? `prefer-${Date.now()}-${active}` : (made.body.id as string);
    let r: request.Test;
    if (kind === 'create') r = post('Patient', { ...patient, active });
    else if (kind === 'update' || kind === 'update-as-create')
      r = put('Patient', id, { ...patient, id, active });
    else if (kind === 'JSON Patch')
      r = request(s.url)
        .patch(`/fhir/Patient/${id}`)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'add', path: '/active', value: active }]));
    else
      r = request(s.url)
        .patch(`/fhir/Patient/${id}`)
        .set('Content-Type', FHIR)
        .send(
          JSON.stringify({
            resourceType: 'Parameters',
            parameter: [
              {
                name: 'operation',
                part: [
                  { name: 'type', valueCode: 'add' },
                  { name: 'path', valueString: 'Patient' },
                  { name: 'name', valueString: 'active' },
                  { name: 'value', valueBoolean: active },
                ],
              },
            ],
          }),
        );
    if (prefer !== undefined) r = r.set('Prefer', prefer);
    const res = await r;
    const status = kind === 'create' || kind === 'update-as-create' ? 201 : 200;
    const version = kind === 'create' || kind === 'update-as-create' ? '1' : '2';
    expect(res.status).toBe(status);
    expect(res.headers.etag).toBe(`W/"${version}"`);
    expect(res.headers['last-modified']).toBeDefined();
    // whatever was asked back, the write happened
    const target = kind === 'create' ? res.headers.location!.split('/').slice(-3)[0]! : id;
    const stored = await request(s.url).get(`/fhir/Patient/${target}`).expect(200);
    expect(stored.body.active).toBe(active);
    expect(stored.body.meta.versionId).toBe(version);
    return { res, stored: stored.body as Record<string, unknown> };
  }
  const KINDS: Write[] = ['create', 'update', 'update-as-create', 'JSON Patch', 'FHIRPath Patch'];

  it.each(KINDS)('%s: return=minimal answers no body', async (kind) => {
    const { res } = await write(kind, true, 'return=minimal');
    expect(res.text).toBe('');
    if (kind === 'create') expect(res.headers.location).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
  });

  it.each(KINDS)('%s: return=OperationOutcome answers an OperationOutcome', async (kind) => {
    const { res } = await write(kind, false, 'return=OperationOutcome');
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0]).toMatchObject({ severity: 'information' });
  });

  it.each(KINDS)('%s: return=representation (and no Prefer) answers the stored resource', async (kind) => {
    const rep = await write(kind, true, 'return=representation');
    expect(rep.res.body).toEqual(rep.stored);
    const plain = await write(kind, false);
    expect(plain.res.body).toEqual(plain.stored);
  });
});

describe('shape checks on every write', () => {
  it.each([
    ['null value', { ...patient, gender: null }, 'Patient.gender'],
    ['empty object', { ...patient, maritalStatus: {} }, 'Patient.maritalStatus'],
    ['empty array', { ...patient, telecom: [] }, 'Patient.telecom'],
    ['empty string', { ...patient, birthDate: '' }, 'Patient.birthDate'],
    ['unknown element', { ...patient, favouriteColour: 'blue' }, 'Patient.favouriteColour'],
    ['nested null', { ...patient, name: [{ family: null }] }, 'Patient.name[0].family'],
  ])('rejects %s with 400 and its location', async (_what, body, where) => {
    const res = await post('Patient', body);
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: { expression?: string[] }) => i.expression?.[0])).toContain(where);
  });

  it('rejects an unknown resourceType in the body', async () => {
    expect((await post('Patient', { resourceType: 'Spaceship' })).status).toBe(400);
  });
});
