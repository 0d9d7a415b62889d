// Which resources of a type a caller may reach for an action, as one Rule (rule.ts): the SMART scopes that grant
// the action (with a patient/ scope's compartment and a v2 scope's ?parameters), then GBV data segmentation, the
// clinic that owns the data, the patient's Consent and break-glass. Restricted data is never reachable without the
// gbv-care role (or an open break-glass access to that patient); the most restrictive rule wins.
import type { Principal } from './principal';
import { hasRole } from './principal';
import { all, any, entries, not, type Rule } from './rule';
import { type Action, grants, type ScopeRule } from './scopes';
import type { ConsentView } from './consent';
import { ofPatients, ownedBy, patientData, restricted } from './segments';

export interface Situation {
  principal: Principal;
  /** The caller's clinic's view of the patients' Consents (absent for the development caller). */
  consents?: ConsentView;
  /** Patients whose restricted data the caller opened by break-glass, still open. */
  brokenGlass: readonly string[];
}

/** What one granting scope allows: its patient's compartment (patient/ scopes) and its ?parameters. */
function scopeRule(rule: ScopeRule, type: string, p: Principal): Rule {
  const parts: Rule[] = [];
  if (rule.context === 'patient' && patientData(type))
    parts.push(ofPatients(type, p.patient ? [p.patient] : []));
  for (const [name, value] of rule.params) parts.push(entries([`${name}|${value}`]));
  return all(parts);
}

/** The resources of `type` the caller may reach for `action`. */
export function reachable(s: Situation, type: string, action: Action): Rule {
  const p = s.principal;
  const scoped = any(grants(p.scopes, type, action).map((r) => scopeRule(r, type, p)));
  if (scoped === false || p.kind === 'development') return scoped;
  const own: Rule = p.clinic ? ownedBy(p.clinic) : false;
  const denied = ofPatients(type, s.consents?.denied(type) ?? []);
  const glass = ofPatients(type, [...s.brokenGlass]);
  const ordinary = all([not(restricted), any([own, not(denied), glass])]);
  const opened = ofPatients(type, [...(s.consents?.opened(type) ?? []), ...s.brokenGlass]);
  const restrictedOk = hasRole(p, 'gbv-care')
    ? all([restricted, any([own, opened])])
    : all([restricted, glass]);
  return all([scoped, any([ordinary, restrictedOk])]);
}
