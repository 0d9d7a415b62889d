// Privacy Consent (consent.html, scope `patient-privacy`): what a patient's active Consents let another clinic see.
// No Consent: ordinary data is shared for treatment, restricted (GBV) data is not. A Consent whose provision denies
// keeps the patient's data inside the clinic that wrote it; restricted data opens to another clinic only through a
// permit that names a restricted label (SDV, R or V). Deny wins over permit.
import type { Consent, ConsentProvision } from 'fhir/r4';
import type { SearchStore } from '../search';
import { isRestrictedLabel } from './segments';

const PRIVACY = 'patient-privacy';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
/** How long a process trusts its list of Consents when another process may have written one. */
const FRESH_MS = 5000;
/** The most active Consents one list holds; more and the list is refused rather than silently cut. */
const MAX_CONSENTS = 200_000;

export type DataKind = 'ordinary' | 'restricted';

export interface ConsentView {
  /** Patients whose Consent keeps their ordinary data of `type` from this clinic. */
  denied(type: string): string[];
  /** Patients whose Consent opens their restricted data of `type` to this clinic. */
  opened(type: string): string[];
}

function inPeriod(p: { start?: string; end?: string } | undefined, now: string): boolean {
  if (!p) return true;
  return (p.start === undefined || p.start <= now) && (p.end === undefined || now <= p.end);
}

/** Does `prov` speak of `clinic`'s access to data of `type` and `kind` now? */
function applies(prov: ConsentProvision, clinic: string, type: string, kind: DataKind, now: string): boolean {
  if (!inPeriod(prov.period, now)) return false;
  if (
    prov.actor?.length &&
    !prov.actor.some((a) => refersTo(a.reference?.reference, `Organization/${clinic}`))
  )
    return false;
  if (prov.class?.length && !prov.class.some((c) => c.system === RESOURCE_TYPES && c.code === type))
    return false;
  // A provision on labels speaks of labelled data alone.
  if (prov.securityLabel?.length) return kind === 'restricted' && prov.securityLabel.some(isRestrictedLabel);
  return true;
}

const refersTo = (ref: string | undefined, target: string): boolean =>
  ref !== undefined && (ref === target || ref.endsWith(`/${target}`));

/**
 * The decision of one provision tree: the deepest provisions that apply override their parent; among siblings deny
 * wins. `named`: whether the permit came from a provision naming a restricted label (restricted data needs one).
 */
function decide(
  prov: ConsentProvision,
  clinic: string,
  type: string,
  kind: DataKind,
  now: string,
): { type: 'permit' | 'deny'; named: boolean } | undefined {
  if (!applies(prov, clinic, type, kind, now)) return undefined;
  let own = { type: prov.type ?? 'permit', named: Boolean(prov.securityLabel?.some(isRestrictedLabel)) };
  const nested = (prov.provision ?? []).flatMap((p) => decide(p, clinic, type, kind, now) ?? []);
  if (nested.some((d) => d.type === 'deny')) own = { type: 'deny', named: false };
  else if (nested.length) own = nested.find((d) => d.named) ?? nested[0]!;
  return own;
}

/** A patient's Consents decide: ordinary data denied? restricted data opened? */
export function consentDecision(
  consents: Consent[],
  clinic: string,
  type: string,
  now: string,
): { denied: boolean; opened: boolean } {
  let denied = false;
  let permitsRestricted = false;
  let deniesRestricted = false;
  for (const c of consents) {
    if (!c.provision) continue;
    const o = decide(c.provision, clinic, type, 'ordinary', now);
    if (o?.type === 'deny') denied = true;
    const r = decide(c.provision, clinic, type, 'restricted', now);
    if (r?.type === 'deny') deniesRestricted = true;
    if (r?.type === 'permit' && r.named) permitsRestricted = true;
  }
  return { denied, opened: permitsRestricted && !deniesRestricted && !denied };
}

/** The active privacy Consents of the server, read once and kept while fresh; a Consent written here renews them. */
export class ConsentDirectory {
  /** The active privacy Consents by patient id, grouped once per read of the list. */
  private list: Promise<Map<string, Consent[]>> | undefined;
  private readAt = 0;

  constructor(private readonly store: SearchStore) {}

  /** A Consent was written through this process: the next request reads the list again. */
  changed(): void {
    this.list = undefined;
  }

  async forClinic(clinic: string): Promise<ConsentView> {
    if (!this.list || Date.now() - this.readAt > FRESH_MS) {
      this.readAt = Date.now();
      this.list = this.load();
      this.list.catch(() => (this.list = undefined));
    }
    const byPatient = await this.list;
    const now = new Date().toISOString();
    const memo = new Map<string, { denied: string[]; opened: string[] }>();
    const of = (type: string): { denied: string[]; opened: string[] } => {
      let m = memo.get(type);
      if (!m) {
        m = { denied: [], opened: [] };
        for (const [patient, consents] of byPatient) {
          const d = consentDecision(consents, clinic, type, now);
          if (d.denied) m.denied.push(patient);
          if (d.opened) m.opened.push(patient);
        }
        memo.set(type, m);
      }
      return m;
    };
    return { denied: (t) => of(t).denied, opened: (t) => of(t).opened };
  }

  private async load(): Promise<Map<string, Consent[]>> {
    const rows = await this.store.find(
      { type: 'Consent', deleted: false, 'idx.k': { $in: ['status|active'] } },
      { limit: MAX_CONSENTS + 1, projection: { _id: 1, type: 1, id: 1, json: 1 } },
    );
    if (rows.length > MAX_CONSENTS) throw new Error(`more than ${MAX_CONSENTS} active Consents`);
    const byPatient = new Map<string, Consent[]>();
    for (const row of rows) {
      const consent = JSON.parse(row.json) as Consent;
      const privacy = consent.scope?.coding?.some((c) => c.code === PRIVACY);
      const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(consent.patient?.reference ?? '');
      if (!privacy || !m) continue;
      const mine = byPatient.get(m[1]!);
      if (mine) mine.push(consent);
      else byPatient.set(m[1]!, [consent]);
    }
    return byPatient;
  }
}
