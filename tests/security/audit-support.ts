// Shared by the audit tests: callers (a test-only stand-in for the tokens authenticate.ts will verify), and the
// audit log read straight from its collection, so that what a test expects is not produced by the code under test.
import type { AuditEvent } from 'fhir/r4';
import { decodeJwt } from 'jose';
import { startTestIssuer, type TestIssuer } from '../support/issuer';
import { startTestServer, type TestServer } from '../support/server';

/** The callers of the audit tests, as the token claims an external issuer would sign. */
const CLAIMS: Record<string, Record<string, unknown>> = {
  clinician: {
    sub: 'doc-1',
    client_id: 'clinic-app',
    clinic: 'clinic-a',
    scope: 'user/*.cruds user/AuditEvent.rs',
  },
  auditor: {
    sub: 'aud-1',
    client_id: 'audit-app',
    clinic: 'clinic-a',
    scope: 'user/AuditEvent.cruds',
    roles: ['auditor'],
  },
  /** An auditor whose scopes never name AuditEvent: `*` does not cover it. */
  auditorStar: {
    sub: 'aud-2',
    client_id: 'audit-app',
    clinic: 'clinic-a',
    scope: 'user/*.cruds',
    roles: ['auditor'],
  },
  medic: {
    sub: 'medic-1',
    client_id: 'clinic-app',
    clinic: 'clinic-c',
    scope: 'user/*.rs',
    roles: ['break-glass'],
  },
  backend: { sub: 'lab-system', client_id: 'lab-system', clinic: 'clinic-b', scope: 'system/*.cruds' },
};

export interface AuditTestServer extends TestServer {
  idp: TestIssuer;
  /** The Authorization header of a caller of CLAIMS ({} for none). */
  as(who: string): Record<string, string>;
  /** The `jti` of a caller's token. */
  jti(who: string): string;
}

/** A server that verifies real tokens of a test issuer, with a token per caller. */
export async function startAuditServer(
  options: Parameters<typeof startTestServer>[1] = {},
): Promise<AuditTestServer> {
  const idp = await startTestIssuer();
  const s = await startTestServer({ DEV_UNAUTHENTICATED: '', AUTH_ISSUER: idp.url }, options);
  idp.audience = s.base;
  const tokens = new Map<string, string>();
  for (const [who, claims] of Object.entries(CLAIMS))
    tokens.set(who, await idp.token(claims, { expiresIn: '1h' }));
  return {
    ...s,
    idp,
    as: (who): Record<string, string> => {
      const token = tokens.get(who);
      return token === undefined ? {} : { Authorization: `Bearer ${token}` };
    },
    jti: (who) => String(decodeJwt(tokens.get(who)!).jti),
    close: async () => {
      await s.close();
      await idp.close();
    },
  };
}

interface StoredRecord {
  _id: string;
  event: string;
  prev: string;
  hash: string;
  patients: string[];
}

export const auditCollection = (s: TestServer) => s.running.db.db!.collection<StoredRecord>('audit');

/** Every stored event, in chain order. */
export async function storedEvents(s: TestServer): Promise<AuditEvent[]> {
  const docs = await auditCollection(s).find({}).sort({ _id: 1 }).toArray();
  return docs.map((d) => JSON.parse(d.event) as AuditEvent);
}

/** The events `run` added (the server records before it answers, so they are there when `run` resolves). */
export async function eventsDuring(s: TestServer, run: () => Promise<unknown>): Promise<AuditEvent[]> {
  const before = await auditCollection(s).countDocuments();
  await run();
  return (await storedEvents(s)).slice(before);
}

export const whats = (e: AuditEvent, role: string): string[] =>
  (e.entity ?? []).filter((x) => x.role?.code === role).map((x) => x.what?.reference ?? '');
export const patientsOf = (e: AuditEvent): string[] => whats(e, '1').sort();
export const resourcesOf = (e: AuditEvent): string[] => whats(e, '4').sort();
export const queryOf = (e: AuditEvent): string | undefined => {
  const q = (e.entity ?? []).find((x) => x.role?.code === '24')?.query;
  return q === undefined ? undefined : Buffer.from(q, 'base64').toString('utf8');
};
export const subtypeOf = (e: AuditEvent): string | undefined =>
  e.subtype?.find((c) => c.system === 'http://hl7.org/fhir/restful-interaction')?.code;
