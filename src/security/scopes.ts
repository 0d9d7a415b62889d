// SMART scopes (smart-app-launch scopes-and-launch-context): v2 `patient/Observation.rs?category=…` and the v1
// forms `user/*.read`, `.write`, `.*`, parsed into one shape; anything else is refused, never silently ignored.

/** The SMART v2 permissions: create, read, update, delete, search. */
export type Action = 'c' | 'r' | 'u' | 'd' | 's';

export interface ScopeRule {
  context: 'patient' | 'user' | 'system';
  /** A resource type, or `*` for every type but AuditEvent (which an auditor's scope names explicitly). */
  type: string;
  actions: ReadonlySet<Action>;
  /** v2 `?name=value` restrictions, ANDed with every query (token parameters: `category=system|code`). */
  params: Array<[string, string]>;
}

export class ScopeError extends Error {}

const V1: Record<string, Action[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};
const ORDER = 'cruds';
const CLINICAL = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)(\?.*)?$/;
/** Scopes that carry no resource permission (OpenID Connect, SMART launch context, refresh). */
const CONTEXT_SCOPES =
  /^(openid|fhirUser|profile|offline_access|online_access|launch(\/patient|\/encounter)?)$/;

/** One SMART scope; undefined for a context scope (`openid`, `launch/patient`), ScopeError for a malformed one. */
export function parseScope(scope: string): ScopeRule | undefined {
  if (CONTEXT_SCOPES.test(scope)) return undefined;
  const m = CLINICAL.exec(scope);
  if (!m) throw new ScopeError(`"${scope}" is not a SMART scope`);
  const [, context, type, perms, query] = m as unknown as [
    string,
    ScopeRule['context'],
    string,
    string,
    string?,
  ];
  let actions: Action[];
  if (V1[perms]) actions = V1[perms];
  else {
    // v2: a non-empty subsequence of c r u d s, in that order.
    let at = 0;
    for (const ch of perms) {
      const i = ORDER.indexOf(ch, at);
      if (i < 0) throw new ScopeError(`"${scope}": permissions must be letters of "cruds" in that order`);
      at = i + 1;
    }
    actions = [...perms] as Action[];
  }
  const params: Array<[string, string]> = [];
  if (query !== undefined) {
    if (perms in V1) throw new ScopeError(`"${scope}": only v2 scopes may have ?parameters`);
    for (const [k, v] of new URLSearchParams(query.slice(1))) {
      if (!/^[a-z][a-z0-9-]*$/.test(k) || v === '') throw new ScopeError(`"${scope}": bad parameter "${k}"`);
      params.push([k, v]);
    }
  }
  return { context, type, actions: new Set(actions), params };
}

/** A space-separated scope string. ScopeError names the first malformed scope. */
export function parseScopes(scope: string): ScopeRule[] {
  return scope
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(parseScope)
    .filter((r): r is ScopeRule => r !== undefined);
}

/** The rules granting `action` on `type` (AuditEvent only by name). Empty: not permitted. */
export function grants(rules: ScopeRule[], type: string, action: Action): ScopeRule[] {
  return rules.filter(
    (r) => r.actions.has(action) && (r.type === type || (r.type === '*' && type !== 'AuditEvent')),
  );
}
