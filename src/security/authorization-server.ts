// The server as its own OAuth 2.0 authorization server (issue 16, point 2), built on oidc-provider: SMART Backend
// Services (client_credentials + private_key_jwt, smart-app-launch backend-services.html) and authorization code +
// PKCE for clinicians' local accounts. Access tokens are JWTs for the FHIR base (RFC 9068) carrying scope, clinic,
// roles, client_id, sub and jti. Issuer: `<origin of BASE_URL>/oauth`.
import crypto from 'node:crypto';
import type {
  ClientCredentials,
  Configuration,
  KoaContextWithOIDC,
  default as ProviderType,
} from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { Config } from '../config';
import type { Accounts } from '../storage';
import { signingKeys, type Jwk } from './keys';
import { errorPage } from './html';
import { interactions, type Interactions } from './login';
import { oidcAdapter } from './oidc-adapter';
import { grantable } from './scope-grant';
import { ScopeError } from './scopes';

export type Provider = ProviderType;

/** Where the provider answers, below its issuer (one list: the provider's routes and the discovery document). */
export const ROUTES = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  revocation: '/token/revocation',
  introspection: '/token/introspection',
} as const;

/** Lifetimes in seconds: backend tokens 5 minutes, a person's 1 hour; an assertion may live 5 minutes at most. */
export const LIFETIME = { backendToken: 300, userToken: 3600, assertion: 300, code: 60, login: 600 };
/** Clock skew allowed on assertions; a replayed `jti` is remembered until its `exp` plus this. */
export const CLOCK_TOLERANCE = 15;
/** Algorithms a client may sign its assertion with (SMART asks RS384 and ES384). */
export const CLIENT_ASSERTION_ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'] as const;
/** The algorithm access tokens are signed with (a key of keys.ts). */
export const ACCESS_TOKEN_ALG = 'RS256';

/** This server's own issuer: `<origin of BASE_URL>/oauth`. */
export const ownIssuerUrl = (config: Config): string => `${new URL(config.baseUrl).origin}/oauth`;

/**
 * The issuer and the public JWK set of this server's own authorization server, for verifying its tokens (with
 * `jose.createLocalJWKSet(jwks)`). Reads (or, on a first start, makes) the keys in the data directory.
 */
export function ownIssuer(config: Config): Promise<{ issuer: string; jwks: { keys: Jwk[] } }> {
  return Promise.resolve({ issuer: ownIssuerUrl(config), jwks: signingKeys(config.dataDir).public });
}

export interface AuthorizationServer {
  provider: Provider;
  issuer: string;
  /** The sign-in pages at the provider's interaction URL. */
  interactions: Interactions;
  /** Mints an access token for a registered backend client without an assertion (the CLI's `token`). */
  mint(clientId: string, o: MintOptions): Promise<string>;
}

export interface MintOptions {
  scope: string;
  /** Claims that replace the client's own for this token. */
  clinic?: string;
  roles?: string[];
  /** Seconds, at most one hour. */
  lifetime?: number;
}

interface Claims {
  clinic: string;
  roles: string[];
}

/** The provider's metadata of a client, as `oidc-adapter.ts` gave it. */
const allowedScopeOf = (client: { [k: string]: unknown }): string =>
  typeof client.allowed_scope === 'string' ? client.allowed_scope : '';

export async function authorizationServer(config: Config, accounts: Accounts): Promise<AuthorizationServer> {
  const { default: Provider, errors } = await import('oidc-provider');
  const issuer = ownIssuerUrl(config);
  const audience = config.auth.audience;
  const keys = signingKeys(config.dataDir);
  /** Claims and lifetimes the CLI asked for, by token. */
  const minted = new WeakMap<object, { claims?: Partial<Claims>; lifetime?: number }>();

  const requestedScope = (ctx: KoaContextWithOIDC): string => {
    const p = ctx.oidc.params?.scope;
    if (typeof p === 'string') return p;
    return ctx.oidc.entities.AuthorizationCode?.scope ?? '';
  };

  const configuration: Configuration = {
    adapter: oidcAdapter(
      accounts,
      () => new errors.InvalidClientAuth('client assertion tokens must only be used once'),
    ),
    jwks: keys.private,
    clients: [],
    routes: ROUTES,
    clientAuthMethods: ['private_key_jwt', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: [...CLIENT_ASSERTION_ALGS],
      idTokenSigningAlgValues: ['RS256', 'ES256'],
    },
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: { properties: ['clinic', 'roles', 'allowed_scope'] },
    responseTypes: ['code'],
    scopes: ['openid'],
    clockTolerance: CLOCK_TOLERANCE,
    pkce: { required: () => true },
    // Cookies signed with a secret drawn from the signing key: it survives restarts with the keys.
    cookies: {
      keys: [
        crypto
          .createHmac('sha256', JSON.stringify(keys.private.keys[0]))
          .update('ephr-fhir cookies')
          .digest('base64url'),
      ],
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    // Browsers may call the token endpoint from the origins of CORS_ORIGINS alone (as the FHIR API).
    clientBasedCORS: (_ctx, origin) => config.corsOrigins.includes(origin),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Tokens bound to a DPoP key are not what a FHIR client sends; PAR, logout and userinfo are not offered.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator, client) => {
          if (indicator !== audience) throw new errors.InvalidTarget(`the resource must be ${audience}`);
          let scope: string[];
          try {
            scope = grantable(requestedScope(ctx), allowedScopeOf(client));
          } catch (err) {
            if (err instanceof ScopeError) throw new errors.InvalidScope(err.message, requestedScope(ctx));
            throw err;
          }
          if (scope.length === 0)
            throw new errors.InvalidScope(
              'none of the requested scopes is allowed for this client (ask for SMART scopes such as system/Patient.rs)',
              requestedScope(ctx),
            );
          return {
            scope: scope.join(' '),
            audience,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: ACCESS_TOKEN_ALG } },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx, token) => minted.get(token)?.lifetime ?? LIFETIME.backendToken,
      AccessToken: LIFETIME.userToken,
      AuthorizationCode: LIFETIME.code,
      IdToken: LIFETIME.userToken,
      Interaction: LIFETIME.login,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const user = await accounts.users.get(sub);
      if (!user || user.disabled) return undefined;
      return { accountId: sub, claims: () => ({ sub }) };
    },
    extraTokenClaims: async (_ctx, token) => {
      let own: Claims | undefined;
      if (token.kind === 'ClientCredentials') {
        const c = await accounts.clients.get(token.clientId ?? '');
        own = c && { clinic: c.clinic, roles: c.roles };
      } else {
        const u = token.accountId === undefined ? undefined : await accounts.users.get(token.accountId);
        own = u && !u.disabled ? { clinic: u.clinic, roles: u.roles } : undefined;
      }
      // A token for no known clinic must not be issued: every caller belongs to one (issue 16, point 4).
      if (!own) throw new errors.InvalidGrant('the client or account is no longer registered');
      const claims = { ...own, ...minted.get(token)?.claims };
      // Under the claim names authenticate.ts reads for any issuer (AUTH_CLAIM_CLINIC, AUTH_CLAIM_ROLES).
      return { [config.auth.clinicClaim]: claims.clinic, [config.auth.rolesClaim]: claims.roles };
    },
    assertJwtClientAuthClaimsAndHeader: (_ctx, claims, _header, client) => {
      const now = Math.floor(Date.now() / 1000);
      if (typeof claims.exp !== 'number' || claims.exp - now > LIFETIME.assertion + CLOCK_TOLERANCE)
        throw new errors.InvalidClientAuth('client_assertion exp must be at most 5 minutes from now');
      if (typeof claims.iat === 'number' && claims.exp - claims.iat > LIFETIME.assertion + CLOCK_TOLERANCE)
        throw new errors.InvalidClientAuth('client_assertion must live 5 minutes at most');
      if (claims.sub !== client.clientId)
        throw new errors.InvalidClientAuth('client_assertion sub must be the client_id');
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), String(out.error_description ?? ''));
    },
  };

  const provider = new Provider(issuer, configuration);
  // The provider's own console warnings (development keys, TTLs) do not apply: every setting above is explicit.

  return {
    provider,
    issuer,
    interactions: interactions(provider, accounts),
    mint: async (clientId, o) => {
      const client = await provider.Client.find(clientId);
      if (!client) throw new Error(`no client ${clientId}`);
      const scope = grantable(o.scope, allowedScopeOf(client));
      if (scope.length === 0) throw new ScopeError(`${clientId} is allowed none of "${o.scope}"`);
      const token: ClientCredentials = new provider.ClientCredentials({ client, scope: scope.join(' ') });
      token.resourceServer = new provider.ResourceServer(audience, {
        scope: scope.join(' '),
        audience,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: ACCESS_TOKEN_ALG } },
      });
      minted.set(token, {
        claims: {
          ...(o.clinic !== undefined && { clinic: o.clinic }),
          ...(o.roles !== undefined && { roles: o.roles }),
        },
        lifetime: Math.min(o.lifetime ?? LIFETIME.userToken, LIFETIME.userToken),
      });
      return token.save();
    },
  };
}
