// Which requested SMART scopes a client or account may be granted (smart-app-launch scopes-and-launch-context): each
// requested scope that one allowed scope covers; the others are dropped, and a request left with none is refused.
import { parseScope, ScopeError, type ScopeRule } from './scopes';

/** True when `allowed` permits everything `requested` asks for (same context, type, a subset of the actions, and
 * at least the allowed scope's `?param` restrictions). */
export function covers(allowed: ScopeRule, requested: ScopeRule): boolean {
  if (allowed.context !== requested.context) return false;
  if (allowed.type !== '*' && allowed.type !== requested.type) return false;
  if (allowed.type === '*' && requested.type === 'AuditEvent') return false;
  for (const a of requested.actions) if (!allowed.actions.has(a)) return false;
  return allowed.params.every(([k, v]) => requested.params.some(([rk, rv]) => rk === k && rv === v));
}

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== '');

/** Rules of a stored (already checked) allowed-scope string; context scopes are left out. */
function rulesOf(allowed: string): ScopeRule[] {
  return words(allowed)
    .map((s) => parseScope(s))
    .filter((r): r is ScopeRule => r !== undefined);
}

/**
 * The requested resource scopes (space-separated) that every one of `allowedSets` covers, in the order asked.
 * Context scopes (`openid`, `launch/patient`, ...) are not resource scopes and are left out. ScopeError for a
 * malformed requested scope: a scope is never silently reinterpreted.
 */
export function grantable(requested: string, ...allowedSets: string[]): string[] {
  const allowed = allowedSets.map(rulesOf);
  const out: string[] = [];
  for (const s of words(requested)) {
    const rule = parseScope(s);
    if (rule === undefined) continue;
    if (allowed.every((set) => set.some((a) => covers(a, rule))) && !out.includes(s)) out.push(s);
  }
  return out;
}

/** Checks an allowed-scope string before it is stored: each scope is a SMART resource scope. */
export function checkAllowedScopes(scope: string): string {
  const list = words(scope);
  if (list.length === 0) throw new ScopeError('at least one scope is needed, such as system/*.rs');
  for (const s of list)
    if (parseScope(s) === undefined)
      throw new ScopeError(`"${s}" is a launch or OpenID scope, not a resource scope a client is allowed`);
  return list.join(' ');
}
