// The audit trail is tamper-evident and never skipped (issue 16 point 8): the hash chain holds under concurrent
// requests and two servers on one database; an edited or removed record is named by `verify` and by
// `ephr-fhir audit verify`; a request whose audit record cannot be written fails with no data.
import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { projectRoot } from '../../src/project-root';
import { chainHash } from '../../src/storage/audit-log';
import { startTestServer, testDatabaseUri, type TestServer } from '../support/server';
import { auditCollection } from './audit-support';

const FHIR = 'application/fhir+json';
const BIN = path.join(projectRoot, 'bin', 'ephr-fhir.js');

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 240_000 },
      (err, stdout) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout });
      },
    );
  });
}

const newPatient = (s: TestServer, family: string) =>
  request(s.url)
    .post('/fhir/Patient')
    .set('Content-Type', FHIR)
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family }] }));

describe('the chain', () => {
  let s: TestServer;
  let second: TestServer | undefined;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await second?.running.close();
    await s.close();
  });

  it('holds after many concurrent requests on two servers sharing the database', async () => {
    second = await startTestServer({ DB_NAME: s.running.db.db!.databaseName });
    const servers = [s, second];
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => newPatient(servers[i % 2]!, `Chain${i}`).expect(201)),
    );
    await Promise.all(
      created.flatMap((res, i) => [
        request(servers[(i + 1) % 2]!.url)
          .get(`/fhir/Patient/${res.body.id as string}`)
          .expect(200),
        request(servers[i % 2]!.url)
          .get(`/fhir/Patient?_id=${res.body.id as string}`)
          .expect(200),
      ]),
    );
    const docs = await auditCollection(s).find({}).sort({ _id: 1 }).toArray();
    expect(docs).toHaveLength(60);
    // seen from outside: consecutive sequence numbers, each record pointing at the hash of the one before
    docs.forEach((d, i) => {
      expect(d._id).toBe(String(i + 1).padStart(12, '0'));
      expect(d.prev).toBe(i === 0 ? '0'.repeat(64) : docs[i - 1]!.hash);
    });
    expect(await s.running.audit.verify()).toEqual({ ok: true, count: 60 });
  });

  it('an edited record is named by verify, and so is one whose hash was recomputed (at the next link)', async () => {
    const coll = auditCollection(s);
    const seq7 = (await coll.findOne({ _id: '000000000007' }))!;
    const edited = seq7.event.replace('"outcome":"0"', '"outcome":"4"');
    expect(edited).not.toBe(seq7.event);
    await coll.updateOne({ _id: seq7._id }, { $set: { event: edited } });
    expect(await s.running.audit.verify()).toMatchObject({ ok: false, seq: 7, count: 6 });
    // a forger who also rewrites the hash breaks the link to seq 8
    await coll.updateOne({ _id: seq7._id }, { $set: { hash: chainHash(seq7.prev, JSON.parse(edited)) } });
    expect(await s.running.audit.verify()).toMatchObject({ ok: false, seq: 8 });
    await coll.updateOne({ _id: seq7._id }, { $set: { event: seq7.event, hash: seq7.hash } });
    expect(await s.running.audit.verify()).toEqual({ ok: true, count: 60 });
  });

  it('a record whose search fields were changed (to hide it from a patient search) is named', async () => {
    const coll = auditCollection(s);
    const seq3 = (await coll.findOne({ _id: '000000000003' }))!;
    await coll.updateOne({ _id: seq3._id }, { $set: { patients: [] } });
    expect(await s.running.audit.verify()).toMatchObject({ ok: false, seq: 3 });
    await coll.updateOne({ _id: seq3._id }, { $set: { patients: seq3.patients } });
  });

  it('a deleted record is named by verify and by `ephr-fhir audit verify` (exit codes 0, then 1)', async () => {
    const env = { MONGODB_URI: testDatabaseUri(), DB_NAME: s.running.db.db!.databaseName };
    const whole = await cli(['audit', 'verify'], env);
    expect(whole).toEqual({ code: 0, stdout: 'audit chain ok: 60 events\n' });
    const coll = auditCollection(s);
    await coll.deleteOne({ _id: '000000000012' });
    expect(await s.running.audit.verify()).toMatchObject({ ok: false, seq: 12, count: 11 });
    const broken = await cli(['audit', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^audit chain broken at seq 12: seq 12 is missing/);
  });
});

describe('a failed audit write', () => {
  let s: TestServer;
  let failing = false;
  beforeAll(async () => {
    // test-only fault (ServerOptions.faults.beforeAuditAppend), as the write pipeline's faults are injected
    s = await startTestServer(
      {},
      {
        faults: {
          beforeAuditAppend: () => {
            if (failing) throw new Error('audit store unavailable (injected)');
          },
        },
      },
    );
  });
  afterAll(() => s.close());

  it('fails the request: 500, an OperationOutcome, none of the data; the next request is recorded again', async () => {
    const created = await newPatient(s, 'Unseen').expect(201);
    const id = created.body.id as string;
    failing = true;
    try {
      for (const path of [`/fhir/Patient/${id}`, '/fhir/Patient?family=Unseen', '/fhir/Patient/nope']) {
        const res = await request(s.url).get(path).expect(500);
        expect(res.body.resourceType).toBe('OperationOutcome');
        expect(res.body.issue[0].diagnostics).toMatch(/the audit record could not be written/i);
        expect(res.text).not.toMatch(/Unseen/);
        expect(res.text).not.toContain(id);
      }
    } finally {
      failing = false;
    }
    await request(s.url).get(`/fhir/Patient/${id}`).expect(200);
    expect(await s.running.audit.verify()).toEqual({ ok: true, count: 2 });
  });
});
