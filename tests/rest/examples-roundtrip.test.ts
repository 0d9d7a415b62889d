// Every non-conformance R4 example round-trips: PUT with its id, read back equal to the original except for the
// server-owned meta.versionId and meta.lastUpdated (issue 3, "Tests that must exist"). Decimals are compared as text.
import request from 'supertest';
import { canonicalText, parseExact, type JsonObject } from '../../src/fhir/json';
import { INVALID_DEFINITIONS, INVALID_EXAMPLES } from '../validation/r4-examples';
import { r4Examples } from '../support/examples';
import { startTestServer, type TestServer } from '../support/server';

/** Examples the server rejects, with the reason. */
const REJECTED: Record<string, string> = {
  'Bundle-resources.json':
    "35 MB: over MAX_BODY_SIZE (16mb here) and over MongoDB's 16 MB document limit (413)",
  'Bundle-dataelements.json':
    "21 MB: over MAX_BODY_SIZE (16mb here) and over MongoDB's 16 MB document limit (413)",
  // really invalid against the R4 definitions: refused with 422 (reasons in tests/validation/r4-examples.ts)
  ...INVALID_EXAMPLES,
  ...INVALID_DEFINITIONS,
};

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ MAX_BODY_SIZE: '16mb' });
});
afterAll(() => s.close());

function withoutServerMeta(text: string): string {
  const tree = parseExact(text) as JsonObject;
  const meta = { ...((tree.meta as JsonObject | undefined) ?? {}) };
  delete meta.versionId;
  delete meta.lastUpdated;
  if (Object.keys(meta).length > 0) tree.meta = meta;
  else delete tree.meta;
  return canonicalText(tree);
}

it('stores and returns every example exactly', async () => {
  const examples = r4Examples();
  expect(examples.length).toBeGreaterThan(700);
  const failures: string[] = [];
  for (const ex of examples) {
    const put = await request(s.url)
      .put(`/fhir/${ex.type}/${ex.id}`)
      .set('Content-Type', 'application/fhir+json')
      .send(ex.text);
    const rejected =
      REJECTED[ex.file] ??
      (ex.type === 'AuditEvent' ? 'the audit trail is written by the server alone (issue 16)' : undefined);
    if (rejected !== undefined) {
      if (put.status < 400) failures.push(`${ex.file}: expected a rejection (${rejected})`);
      continue;
    }
    if (put.status !== 201) {
      failures.push(`${ex.file}: PUT ${put.status} ${JSON.stringify(put.body.issue?.slice(0, 2))}`);
      continue;
    }
    const read = await request(s.url).get(`/fhir/${ex.type}/${ex.id}`);
    if (read.status !== 200) failures.push(`${ex.file}: read ${read.status}`);
    else if (withoutServerMeta(read.text) !== withoutServerMeta(ex.text))
      failures.push(`${ex.file}: content differs`);
  }
  expect(failures).toEqual([]);
}, 600_000);
