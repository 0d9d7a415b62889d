// PATCH with JSON Patch and FHIRPath Patch through the update pipeline (issue 3, point 6).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const FHIR = 'application/fhir+json';
async function newPatient(): Promise<string> {
  const res = await request(s.url)
    .post('/fhir/Patient')
    .set('Content-Type', FHIR)
    .send(
      '{"resourceType":"Patient","name":[{"family":"Omar","given":["Sara"]},{"family":"عمر"}],"active":true,' +
        '"extension":[{"url":"http://example.org/w","valueDecimal":2.50}]}',
    );
  return res.body.id as string;
}
const jsonPatch = (id: string, ops: unknown) =>
  request(s.url)
    .patch(`/fhir/Patient/${id}`)
    .set('Content-Type', 'application/json-patch+json')
    .send(JSON.stringify(ops));
const fhirPatch = (id: string, ...ops: Array<Array<Record<string, unknown>>>) =>
  request(s.url)
    .patch(`/fhir/Patient/${id}`)
    .set('Content-Type', FHIR)
    .send(
      JSON.stringify({
        resourceType: 'Parameters',
        parameter: ops.map((part) => ({ name: 'operation', part })),
      }),
    );
const versionOf = async (id: string) =>
  (await request(s.url).get(`/fhir/Patient/${id}`)).body.meta.versionId as string;

describe('JSON Patch', () => {
  it('applies operations as a new version and keeps other decimals exact', async () => {
    const id = await newPatient();
    const res = await jsonPatch(id, [
      { op: 'replace', path: '/active', value: false },
      { op: 'add', path: '/gender', value: 'female' },
    ]).expect(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.body.active).toBe(false);
    expect(res.text).toContain('"valueDecimal":2.50');
  });

  it('honours If-Match', async () => {
    const id = await newPatient();
    expect(
      (await jsonPatch(id, [{ op: 'add', path: '/gender', value: 'male' }]).set('If-Match', 'W/"9"')).status,
    ).toBe(412);
    await jsonPatch(id, [{ op: 'add', path: '/gender', value: 'male' }])
      .set('If-Match', 'W/"1"')
      .expect(200);
  });

  it('changes nothing when a test operation fails or the result is invalid', async () => {
    const id = await newPatient();
    const failed = await jsonPatch(id, [
      { op: 'replace', path: '/active', value: false },
      { op: 'test', path: '/gender', value: 'male' },
    ]);
    expect(failed.status).toBe(422);
    expect(failed.body.resourceType).toBe('OperationOutcome');
    const invalid = await jsonPatch(id, [{ op: 'add', path: '/colour', value: 'red' }]);
    expect(invalid.status).toBe(422);
    expect(invalid.body.issue[0].expression).toEqual(['Patient.colour']);
    const emptied = await jsonPatch(id, [{ op: 'replace', path: '/name/0/given', value: [] }]);
    expect(emptied.status).toBe(422);
    expect(await versionOf(id)).toBe('1');
  });

  it('rejects a malformed patch document with 400', async () => {
    const id = await newPatient();
    expect((await jsonPatch(id, { op: 'replace' })).status).toBe(400);
    expect((await jsonPatch(id, [{ op: 'frobnicate', path: '/a' }])).status).toBe(400);
  });

  it('answers 404 for an unknown resource and 410 for a deleted one', async () => {
    expect((await jsonPatch('nope', [{ op: 'add', path: '/active', value: true }])).status).toBe(404);
    const id = await newPatient();
    await request(s.url).delete(`/fhir/Patient/${id}`).expect(200);
    expect((await jsonPatch(id, [{ op: 'add', path: '/active', value: true }])).status).toBe(410);
  });
});

describe('FHIRPath Patch', () => {
  it('replace, add, insert, delete and move', async () => {
    const id = await newPatient();
    await fhirPatch(id, [
      { name: 'type', valueCode: 'replace' },
      { name: 'path', valueString: 'Patient.active' },
      { name: 'value', valueBoolean: false },
    ]).expect(200);
    await fhirPatch(id, [
      { name: 'type', valueCode: 'add' },
      { name: 'path', valueString: 'Patient' },
      { name: 'name', valueString: 'birthDate' },
      { name: 'value', valueDate: '1990' },
    ]).expect(200);
    await fhirPatch(id, [
      { name: 'type', valueCode: 'add' },
      { name: 'path', valueString: "Patient.name.where(family = 'Omar')" },
      { name: 'name', valueString: 'prefix' },
      { name: 'value', valueString: 'Ms' },
    ]).expect(200);
    await fhirPatch(id, [
      { name: 'type', valueCode: 'insert' },
      { name: 'path', valueString: 'Patient.name[0].given' },
      { name: 'index', valueInteger: 0 },
      { name: 'value', valueString: 'Layla' },
    ]).expect(200);
    await fhirPatch(id, [
      { name: 'type', valueCode: 'move' },
      { name: 'path', valueString: 'Patient.name' },
      { name: 'source', valueInteger: 1 },
      { name: 'destination', valueInteger: 0 },
    ]).expect(200);
    const res = await fhirPatch(id, [
      { name: 'type', valueCode: 'delete' },
      { name: 'path', valueString: "Patient.name.where(family = 'Omar').given[1]" },
    ]).expect(200);
    expect(res.body.active).toBe(false);
    expect(res.body.birthDate).toBe('1990');
    expect(res.body.name).toEqual([{ family: 'عمر' }, { family: 'Omar', given: ['Layla'], prefix: ['Ms'] }]);
    expect(res.body.meta.versionId).toBe('7');
    expect(res.text).toContain('"valueDecimal":2.50');
  });

  it('honours If-Match: 412 on a stale version, changing nothing; applied on the current one', async () => {
    const id = await newPatient();
    const replaceActive = [
      { name: 'type', valueCode: 'replace' },
      { name: 'path', valueString: 'Patient.active' },
      { name: 'value', valueBoolean: false },
    ];
    const stale = await fhirPatch(id, replaceActive).set('If-Match', 'W/"2"');
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect(await versionOf(id)).toBe('1');
    expect((await request(s.url).get(`/fhir/Patient/${id}`)).body.active).toBe(true);
    const ok = await fhirPatch(id, replaceActive).set('If-Match', 'W/"1"').expect(200);
    expect(ok.headers.etag).toBe('W/"2"');
    expect(ok.body.active).toBe(false);
    expect((await fhirPatch(id, replaceActive).set('If-Match', 'W/"1"')).status).toBe(412);
  });

  it('rejects a path that matches several elements, and an invalid result, changing nothing', async () => {
    const id = await newPatient();
    const several = await fhirPatch(id, [
      { name: 'type', valueCode: 'replace' },
      { name: 'path', valueString: 'Patient.name.family' },
      { name: 'value', valueString: 'X' },
    ]);
    expect(several.status).toBe(422);
    const invalid = await fhirPatch(id, [
      { name: 'type', valueCode: 'add' },
      { name: 'path', valueString: 'Patient' },
      { name: 'name', valueString: 'shoeSize' },
      { name: 'value', valueInteger: 42 },
    ]);
    expect(invalid.status).toBe(422);
    const unknownOp = await fhirPatch(id, [
      { name: 'type', valueCode: 'explode' },
      { name: 'path', valueString: 'Patient' },
    ]);
    expect(unknownOp.status).toBe(400);
    expect(await versionOf(id)).toBe('1');
  });
});
