// The access benchmark's setup text, the rule checks it makes before measuring (so that it measures access control
// that works: a wrong answer fails the module), and its notes, computed from the figures of the same run.
import type { DataShape } from './access-data';
import { observationId, ORDINARY_PER_PATIENT, patientId } from './access-data';
import type { Row } from './access-report';
import type { AppendRates } from './audit-bench';
import { figures, int } from './stats';

const SDV = 'http://terminology.hl7.org/CodeSystem/v3-ActCode|SDV';
const CLINIC_TAG = 'http://ephr-fhir.org/fhir/CodeSystem/clinic';

interface Meta {
  meta?: {
    security?: Array<{ system?: string; code?: string }>;
    tag?: Array<{ system?: string; code?: string }>;
  };
}

/** Reads as each caller and fails unless every answer is the one the rules call for. */
export async function checkRules(
  secured: string,
  dev: string,
  shape: DataShape,
  tokens: { a: Record<string, string>; b: Record<string, string> },
): Promise<string> {
  const get = async (base: string, path: string, headers: Record<string, string>) => {
    const res = await fetch(`${base}/fhir/${path}`, {
      headers: { accept: 'application/fhir+json', ...headers },
    });
    return { status: res.status, body: (await res.json()) as Meta };
  };
  const closed = shape.denying + shape.opening; // the first patient with no Consent
  const gbv = (i: number): string => `Observation/ac-a-g${i}`;
  const expect: Array<[string, string, Record<string, string>, string, number]> = [
    [
      'no token, access-controlled server',
      secured,
      {},
      `Observation/${observationId('clinic-a', closed, 0)}`,
      401,
    ],
    ["clinic A, its patient's GBV screening", secured, tokens.a, gbv(closed), 200],
    ["clinic B, clinic A's GBV screening, no Consent", secured, tokens.b, gbv(closed), 404],
    // A Consent opens GBV data to a clinic's gbv-care callers alone (visibility.ts): clinic B has no such role.
    [
      'clinic B (no gbv-care), GBV screening its Consent opens to clinic B',
      secured,
      tokens.b,
      gbv(shape.denying),
      404,
    ],
    [
      'clinic A, ordinary data of its patient whose Consent denies',
      secured,
      tokens.a,
      `Observation/${observationId('clinic-a', 0, 0)}`,
      200,
    ],
    [
      'clinic B, ordinary data of a patient whose Consent denies',
      secured,
      tokens.b,
      `Observation/${observationId('clinic-a', 0, 0)}`,
      404,
    ],
    [
      "clinic B, clinic A's ordinary data, no Consent",
      secured,
      tokens.b,
      `Observation/${observationId('clinic-a', closed, 0)}`,
      200,
    ],
    ['development caller, a GBV screening', dev, {}, gbv(closed), 200],
  ];
  for (const [what, base, headers, path, status] of expect) {
    const got = await get(base, path, headers);
    if (got.status !== status)
      throw new Error(`access check "${what}": ${path} answered ${got.status}, not ${status}`);
  }
  const labelled = (await get(secured, gbv(closed), tokens.a)).body.meta?.security ?? [];
  if (!labelled.some((l) => `${l.system}|${l.code}` === SDV))
    throw new Error('access check: the GBV screening was stored without the SDV label');
  const tags = (await get(secured, `Patient/${patientId('clinic-b', 0)}`, tokens.b)).body.meta?.tag ?? [];
  if (!tags.some((t) => t.system === CLINIC_TAG && t.code === 'clinic-b'))
    throw new Error("access check: clinic B's Patient does not carry its clinic tag");
  return [
    `Checked before the figures (the module fails on any other answer): ${expect
      .map(([what, , , , status]) => `${what} → ${status}`)
      .join(
        '; ',
      )}; the screenings carry SDV + R, added by the server from their LOINC code; each resource carries`,
    'the tag of the clinic that wrote it.',
  ].join(' ');
}

export function accessIntro(
  s: { reads: number; searches: number; creates: number; warmup: number; phaseDeadlineMs: number },
  shape: DataShape,
  resources: number,
  loadMs: number,
): string {
  const obs = ORDINARY_PER_PATIENT;
  return [
    '## Access control and audit: what they cost a request',
    '',
    'Two ephr-fhir servers (`openServer`, LOG_LEVEL silent, each a child process, reached on 127.0.0.1) on one',
    'database of the embedded FerretDB 1.24.2 (SQLite backend): one **without** the development bypass, which every',
    'clinic request reaches with a bearer token, and one with `DEV_UNAUTHENTICATED=loopback` for the development',
    'caller (no token; every scope and role but label-admin, no clinic: its rules are `true`, but it goes through the',
    'guarded context and every request is audited). The raw `mongodb` driver runs in the benchmark process.',
    '',
    `Data set: ${int(shape.patients)} Patients per clinic (clinic-a, clinic-b), each with ${obs} heart-rate`,
    'Observations and one HARK screening Observation (LOINC 76499-3, sent without labels: the server adds SDV + R),',
    `written by each clinic through its own token as transaction Bundles of 100 PUTs (${int(resources)} resources in`,
    `${int(loadMs / 1000)} s); clinic A's first ${shape.denying} patients have a privacy Consent denying other clinics,`,
    `its next ${shape.opening} one that opens their GBV data to clinic B. Family names: 10, shared by both clinics.`,
    '',
    'Tokens: each clinic is a client registered with `ephr-fhir clients add --jwks-file` (an ES384 public key),',
    `allowed \`user/*.cruds\`; clinic A with the role gbv-care, clinic B with none. Each gets its token by SMART`,
    'Backend Services from the server itself (`client_credentials` with a `private_key_jwt` assertion at',
    '`/oauth/token`; 5-minute tokens, asked again every 200 s). The caller is then `sub` = client (kind system); the',
    'access rules read scopes, clinic and roles alone (src/security/visibility.ts), as for a clinician.',
    'Clinic B is the costly caller: its rules exclude restricted data (it has no gbv-care) and the patients whose Consent',
    'denies; a Consent that opens GBV data opens it to gbv-care callers alone, so B reads none; clinic A (gbv-care,',
    "the owner) sees all of its own and other clinics' ordinary data.",
    '',
    `Rows: reads of ${int(s.reads)} ordinary clinic A Observations drawn at random (the same ids for every caller,`,
    `visible to all), ${int(s.searches)} searches (\`subject\`: a clinic A patient without a denying Consent;`,
    `\`family\`: one of the 10 names, first page of 20), ${int(s.creates)} creates of a heart rate for one of the`,
    `caller's own clinic's patients; driver rows: \`findOne\` by \`_id\` of the same Observations, \`insertOne\`.`,
    'Each operation and connection count runs in 3 rounds, each caller in turn with a third of the requests, so that a',
    `change in the shared machine's load falls on every caller alike; a caller's rounds together stop issuing requests`,
    `after ${int(s.phaseDeadlineMs / 1000)} s (Done then shows fewer). Order: reads, searches, then creates. Warm-up first: every read`,
    `target once per caller, ${int(s.warmup)} of each operation per caller, in no figure. "entries": mean entries of`,
    'a search answer, from 20 searches per caller before the phases. Latency per request as the client sees it; CPU is',
    "each process's CPU time during the phase per request (from /proc).",
    '',
  ].join('\n');
}

export function accessNotes(rows: Row[], a: AppendRates): string {
  const chain10 = figures(a.chain10);
  const chain1 = figures(a.chain1);
  const raw = figures(a.raw10);
  const grouped = figures(a.grouped10);
  const serverRows = rows.filter((r) => !r.caller.startsWith('driver'));
  const fastest = serverRows
    .filter((r) => r.connections === 10)
    .reduce((best, r) => (figures(r.m).perSecond > figures(best.m).perSecond ? r : best));
  const top = figures(fastest.m).perSecond;
  const devRead1 = serverRows.find((r) => r.connections === 1 && r.op.includes('Observation/id'));
  const devRead10 = serverRows.find((r) => r.connections === 10 && r.op.includes('Observation/id'));
  const f1 = devRead1 ? figures(devRead1.m).perSecond : NaN;
  const f10 = devRead10 ? figures(devRead10.m).perSecond : NaN;
  const cpu = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(2));
  const atCeiling = top >= 0.8 * chain10.perSecond;
  return [
    '### Reading these figures',
    '',
    '- Every FHIR request waits for its AuditEvent to be stored. `AuditLog.append` chains the events of one server',
    '  process in arrival order and stores those that arrive while an insert is on its way with one ordered',
    `  \`insertMany\` (a group commit). Alone it takes ${int(chain10.perSecond)} appends/s with 10 in flight and`,
    `  ${int(chain1.perSecond)} with 1; the fastest row at 10 connections (${fastest.op}, ${fastest.caller})`,
    `  reached ${int(top)} req/s, ${atCeiling ? 'at that ceiling' : 'below that ceiling'}; development reads ran`,
    `  ${int(f10)} req/s at 10 connections and ${int(f1)} at 1${
      f10 < 1.5 * f1 ? ': more connections bring little, the mark of a serial or saturated resource' : ''
    }.`,
    `- CPU: a development read at 1 connection cost ${cpu(devRead1?.m.cpu.server)} ms in the server and`,
    `  ${cpu(devRead1?.m.cpu.ferretdb)} ms in FerretDB; one append alone (1 in flight) costs`,
    `  ${cpu(a.chain1.cpu.client)} ms in the appending process and ${cpu(a.chain1.cpu.ferretdb)} ms in FerretDB. On 2`,
    '  cores shared by the load generator, the server and FerretDB (and other work on the machine: see the load',
    '  average below), CPU bounds the 10-connection rows.',
    `- The database's floor: the same records inserted without a chain, without waiting for one another, reach`,
    `  ${int(raw.perSecond)}/s. The benchmark's own group-commit prototype (the design \`AuditLog.append\` now follows)`,
    `  reached ${int(grouped.perSecond)} appends/s with 10 in flight (p99 ${grouped.p99.toFixed(1)} ms against`,
    `  ${chain10.p99.toFixed(1)} ms for \`AuditLog.append\`; FerretDB CPU ${cpu(a.grouped10.cpu.ferretdb)} against`,
    `  ${cpu(a.chain10.cpu.ferretdb)} ms per append).`,
    '- "vs development caller" compares each row with the development caller of the same operation and connections:',
    "  token verification (jose, the server's local JWKS), the Consent list, the rule filters and the clinic tag; the",
    "  audit record and the guarded context are paid by both. The driver rows do none of the server's work.",
    '',
  ].join('\n');
}
