// Bearer tokens (RFC 6750; smart-app-launch): every FHIR request but the public ones carries a JWT access token,
// verified with jose against its issuer's JWKS (this server's own authorization server, or an external OpenID
// Connect issuer named in settings). 401 without a valid token, saying why in WWW-Authenticate and an OperationOutcome.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { fail } from '../fhir/outcome';
import { type Principal, type Role, ROLES } from './principal';
import { parseScopes, ScopeError } from './scopes';

/** Where the tokens come from: the issuer they must name and the keys that sign them. */
export interface TokenIssuer {
  issuer: string;
  keys: JWTVerifyGetKey;
}

const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'RS384', 'PS256', 'EdDSA'];
const REALM = 'Bearer realm="ephr-fhir"';
/** The development caller: every scope, every role, no clinic (DEV_UNAUTHENTICATED=loopback alone). */
const DEVELOPMENT: Principal = {
  kind: 'development',
  subject: 'development',
  client: 'development',
  scopes: parseScopes('system/*.cruds system/AuditEvent.rs'),
  roles: new Set<Role>(ROLES),
};

function unauthorized(diagnostics: string, error?: 'invalid_token' | 'invalid_request'): Error {
  const e = fail(401, 'login', diagnostics);
  e.headers['WWW-Authenticate'] = error ? `${REALM}, error="${error}"` : REALM;
  return e;
}

/** An external issuer's keys, from AUTH_JWKS_URL or its discovery document, fetched on first use and cached by jose. */
export function remoteIssuer(auth: AuthConfig & { issuer: string }): TokenIssuer {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const load = async (): Promise<JWTVerifyGetKey> => {
    let url = auth.jwksUrl;
    if (!url) {
      const res = await fetch(`${auth.issuer}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`the issuer's discovery document answered ${res.status}`);
      url = ((await res.json()) as { jwks_uri?: string }).jwks_uri;
      if (!url) throw new Error('the issuer names no jwks_uri');
    }
    return createRemoteJWKSet(new URL(url));
  };
  return {
    issuer: auth.issuer,
    keys: async (header, token) => {
      keys ??= load().catch((err: unknown) => {
        keys = undefined;
        throw err;
      });
      return (await keys)(header, token);
    },
  };
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const v = payload[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function rolesOf(payload: JWTPayload, name: string): Set<Role> {
  const v = payload[name];
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/\s+/) : [];
  return new Set(list.filter((r): r is Role => ROLES.includes(r as Role)));
}

export class Authenticator {
  constructor(
    private readonly auth: AuthConfig,
    private readonly issuer: TokenIssuer,
  ) {}

  /** The caller of a request with this Authorization header; 401 (an OperationOutcomeError) when there is none. */
  async principal(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization === '') {
      if (this.auth.devUnauthenticated) return DEVELOPMENT;
      throw unauthorized('This request needs an access token (Authorization: Bearer …)');
    }
    const m = /^Bearer +([A-Za-z0-9\-_.]+=*)$/i.exec(authorization.trim());
    if (!m) throw unauthorized('The Authorization header must be "Bearer <token>"', 'invalid_request');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1]!, this.issuer.keys, {
        issuer: this.issuer.issuer,
        audience: this.auth.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired)
        throw unauthorized('The access token has expired', 'invalid_token');
      if (err instanceof errors.JOSEError)
        throw unauthorized('The access token is not valid here', 'invalid_token');
      throw err; // the issuer's keys could not be read: a 5xx, not the caller's fault
    }
    const client = stringClaim(payload, 'client_id') ?? stringClaim(payload, 'azp') ?? payload.sub!;
    let scopes;
    try {
      scopes = parseScopes(stringClaim(payload, 'scope') ?? '');
    } catch (err) {
      if (err instanceof ScopeError)
        throw unauthorized(`The access token's scope: ${err.message}`, 'invalid_token');
      throw err;
    }
    const clinic = stringClaim(payload, this.auth.clinicClaim);
    if (!clinic)
      throw unauthorized(
        `The access token names no clinic (claim "${this.auth.clinicClaim}")`,
        'invalid_token',
      );
    const patient = stringClaim(payload, this.auth.patientClaim);
    if (scopes.some((s) => s.context === 'patient') && !patient)
      throw unauthorized('patient/ scopes need a patient in the token', 'invalid_token');
    return {
      kind: payload.sub === client ? 'system' : 'user',
      subject: payload.sub!,
      client,
      clinic,
      scopes,
      ...(patient && { patient }),
      roles: rolesOf(payload, this.auth.rolesClaim),
      ...(payload.jti && { tokenId: payload.jti }),
    };
  }
}
