// A real FHIR client (fhir-kit-client) drives create, read, vread, update, patch, history and delete.
import type { Patient } from 'fhir/r4';
import { fhirClient } from '../support/fhir-client';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

it('works end to end as a client would use it', async () => {
  const client = await fhirClient(s.base);
  const cap = (await client.capabilityStatement()) as unknown as { fhirVersion: string };
  expect(cap.fhirVersion).toBe('4.0.1');

  const created = (await client.create({
    resourceType: 'Patient',
    body: { resourceType: 'Patient', name: [{ family: 'Yusuf', given: ['Idris'] }] },
  })) as Patient;
  const id = created.id!;
  expect(created.meta?.versionId).toBe('1');

  const read = (await client.read({ resourceType: 'Patient', id })) as Patient;
  expect(read.name?.[0]?.family).toBe('Yusuf');

  const updated = (await client.update({
    resourceType: 'Patient',
    id,
    body: { ...read, birthDate: '1987' },
  })) as Patient;
  expect(updated.meta?.versionId).toBe('2');

  const patched = (await client.patch({
    resourceType: 'Patient',
    id,
    jsonPatch: [{ op: 'add', path: '/gender', value: 'male' }],
  })) as Patient;
  expect(patched.gender).toBe('male');

  const v1 = (await client.vread({ resourceType: 'Patient', id, version: '1' })) as Patient;
  expect(v1.birthDate).toBeUndefined();

  const history = (await client.history({ resourceType: 'Patient', id })) as unknown as {
    type: string;
    total: number;
  };
  expect(history).toMatchObject({ type: 'history', total: 3 });

  await client.delete({ resourceType: 'Patient', id });
  await expect(client.read({ resourceType: 'Patient', id })).rejects.toMatchObject({
    response: { status: 410 },
  });
});
