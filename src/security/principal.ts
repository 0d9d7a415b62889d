// Who is asking (smart-app-launch scopes-and-launch-context): the verified caller of one request, in one shape
// whatever issued its token (this server's own authorization server or an external OpenID Connect issuer).
import type { ScopeRule } from './scopes';

/**
 * What a caller may do beyond its scopes, from the token's roles claim:
 * - `gbv-care`: may see resources labelled as GBV data (SDV, R or V); without it they are invisible.
 * - `break-glass`: may open a time-boxed, audited break-glass access to one patient's restricted data.
 * - `label-admin`: may remove security labels the server keeps (labels.ts); nobody else can.
 * - `auditor`: with an explicit AuditEvent scope, may read the audit trail.
 * - `admin`: manages clients and accounts (no data access of its own).
 */
export type Role = 'gbv-care' | 'break-glass' | 'label-admin' | 'auditor' | 'admin';
export const ROLES: readonly Role[] = ['gbv-care', 'break-glass', 'label-admin', 'auditor', 'admin'];

export interface Principal {
  /** `user`: a person (authorization code); `system`: a backend client (client_credentials); `development`: the
   * loopback-only development bypass (DEV_UNAUTHENTICATED=loopback), never a deployment. */
  kind: 'user' | 'system' | 'development';
  /** The token's `sub`: the user's account id, or the client id for a backend client. */
  subject: string;
  /** The OAuth client the token was issued to. */
  client: string;
  /** The clinic (Organization id) the caller works for; absent only for the development bypass. */
  clinic?: string;
  scopes: ScopeRule[];
  /** The launch patient (Patient id) of `patient/` scopes. */
  patient?: string;
  roles: ReadonlySet<Role>;
  /** The token's `jti`, for the audit trail. */
  tokenId?: string;
}

export const hasRole = (p: Principal, role: Role): boolean => p.roles.has(role);
