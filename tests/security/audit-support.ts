// Shared by the audit tests: callers (a test-only stand-in for the tokens authenticate.ts will verify), and the
// audit log read straight from its collection, so that what a test expects is not produced by the code under test.
import type { AuditEvent } from 'fhir/r4';
import type { Principal, Role } from '../../src/security/principal';
import { parseScopes } from '../../src/security/scopes';
import type { TestServer } from '../support/server';

export const CALLER = 'x-test-caller';

const caller = (
  subject: string,
  scopes: string,
  roles: Role[],
  extra: Partial<Principal> = {},
): Principal => ({
  kind: 'user',
  subject,
  client: 'clinic-app',
  clinic: 'clinic-a',
  scopes: parseScopes(scopes),
  roles: new Set(roles),
  ...extra,
});

export const CALLERS: Record<string, Principal> = {
  clinician: caller('doc-1', 'user/*.cruds user/AuditEvent.rs', [], { tokenId: 'jti-doc-1' }),
  auditor: caller('aud-1', 'user/AuditEvent.rs', ['auditor']),
  /** An auditor whose scopes never name AuditEvent: `*` does not cover it. */
  auditorStar: caller('aud-2', 'user/*.cruds', ['auditor']),
  backend: {
    kind: 'system',
    subject: 'lab-system',
    client: 'lab-system',
    clinic: 'clinic-b',
    scopes: parseScopes('system/*.cruds'),
    roles: new Set(),
  },
};

export const principalOf = (h: Record<string, string | undefined>): Principal | undefined =>
  CALLERS[h[CALLER] ?? ''];

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
