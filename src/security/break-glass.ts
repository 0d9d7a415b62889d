// Break-glass (emergency access): a caller with the break-glass role states a reason and opens, for a time, one
// patient's data that its clinic could not otherwise see (restricted GBV data, or data a Consent keeps from it).
// POST [base]/Patient/[id]/$break-glass with a Parameters `reason`; every use is audited with purpose BTG.
// Accesses live in this process: a restart closes them all (never the other way round).
import type { Parameters } from 'fhir/r4';
import { badRequest, fail } from '../fhir/outcome';
import type { FhirRequest, FhirResponse } from '../interactions/types';
import type { Principal } from './principal';
import { hasRole } from './principal';

interface Opened {
  reason: string;
  until: number;
}

const MIN_REASON = 10;

export class BreakGlass {
  private readonly open = new Map<string, Map<string, Opened>>();

  constructor(private readonly minutes: number) {}

  private key(p: Principal): string {
    return `${p.client}|${p.subject}`;
  }

  /** The patients whose data the caller has opened, still open now, with the reasons. */
  openFor(p: Principal): Array<{ patient: string; reason: string }> {
    const mine = this.open.get(this.key(p));
    if (!mine) return [];
    const now = Date.now();
    const out: Array<{ patient: string; reason: string }> = [];
    for (const [patient, o] of mine) {
      if (o.until > now) out.push({ patient, reason: o.reason });
      else mine.delete(patient);
    }
    return out;
  }

  /** The $break-glass operation on Patient/[id]. */
  handle(p: Principal, req: FhirRequest): FhirResponse {
    if (req.method !== 'POST') throw fail(405, 'not-supported', '$break-glass is invoked with POST');
    if (!hasRole(p, 'break-glass') || !p.clinic)
      throw fail(403, 'forbidden', 'Break-glass access needs the break-glass role');
    const patient = req.route.id!;
    const reason = reasonOf(req);
    const until = Date.now() + this.minutes * 60_000;
    const mine = this.open.get(this.key(p)) ?? new Map<string, Opened>();
    mine.set(patient, { reason, until });
    this.open.set(this.key(p), mine);
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', valueReference: { reference: `Patient/${patient}` } },
        { name: 'expires', valueInstant: new Date(until).toISOString() },
      ],
    };
    return { status: 200, body };
  }
}

function reasonOf(req: FhirRequest): string {
  let reason: string | undefined;
  if (req.body?.kind === 'resource') {
    let parsed: Parameters;
    try {
      parsed = JSON.parse(req.body.text) as Parameters;
    } catch {
      throw badRequest('The body must be a Parameters resource (JSON)');
    }
    if (parsed.resourceType !== 'Parameters') throw badRequest('The body must be a Parameters resource');
    reason = parsed.parameter?.find((x) => x.name === 'reason')?.valueString;
  } else reason = req.query.find(([k]) => k === 'reason')?.[1];
  if (reason === undefined || reason.trim().length < MIN_REASON)
    throw badRequest(
      `Break-glass needs a stated reason of at least ${MIN_REASON} characters`,
      'Parameters.parameter',
    );
  return reason.trim();
}
