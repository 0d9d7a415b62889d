// The SMART discovery document (smart-app-launch conformance.html, `.well-known/smart-configuration`): where to
// get tokens and how. For this server's own issuer it is made from the settings the provider is configured with;
// for an external issuer (AUTH_ISSUER) from that issuer's own discovery document.
import type { Config } from '../config';
import { CLIENT_ASSERTION_ALGS, ownIssuerUrl, ROUTES } from './authorization-server';

export interface SmartConfiguration {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  scopes_supported: string[];
  response_types_supported: string[];
  code_challenge_methods_supported: string[];
  capabilities: string[];
  [extension: string]: unknown;
}

/** Examples of what may be asked; a client may ask any SMART v1 or v2 resource scope it was allowed. */
const SCOPES = [
  'system/*.cruds',
  'system/*.rs',
  'system/*.read',
  'system/*.write',
  'user/*.cruds',
  'user/*.rs',
  'user/*.read',
  'user/*.write',
  'openid',
];

export function ownSmartConfiguration(config: Config): SmartConfiguration {
  const issuer = ownIssuerUrl(config);
  return {
    issuer,
    jwks_uri: issuer + ROUTES.jwks,
    authorization_endpoint: issuer + ROUTES.authorization,
    token_endpoint: issuer + ROUTES.token,
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    scopes_supported: SCOPES,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'client-confidential-asymmetric',
      'client-public',
      'launch-standalone',
      'permission-v1',
      'permission-v2',
    ],
  };
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;

/** The document for an external issuer, from its OpenID Connect (or RFC 8414) discovery document. */
export async function externalSmartConfiguration(issuer: string): Promise<SmartConfiguration> {
  let meta: Record<string, unknown> | undefined;
  for (const wellKnown of ['openid-configuration', 'oauth-authorization-server']) {
    const res = await fetch(`${issuer}/.well-known/${wellKnown}`, { signal: AbortSignal.timeout(10_000) });
    if (res.ok) {
      meta = (await res.json()) as Record<string, unknown>;
      break;
    }
  }
  if (!meta || typeof meta.token_endpoint !== 'string' || typeof meta.jwks_uri !== 'string')
    throw new Error(`${issuer} publishes no discovery document with a token_endpoint and a jwks_uri`);
  const grants = strings(meta.grant_types_supported) ?? ['authorization_code'];
  const authMethods = strings(meta.token_endpoint_auth_methods_supported) ?? ['client_secret_basic'];
  return {
    issuer: typeof meta.issuer === 'string' ? meta.issuer : issuer,
    jwks_uri: meta.jwks_uri,
    ...(typeof meta.authorization_endpoint === 'string' && {
      authorization_endpoint: meta.authorization_endpoint,
    }),
    token_endpoint: meta.token_endpoint,
    grant_types_supported: grants,
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported:
      strings(meta.token_endpoint_auth_signing_alg_values_supported) ?? [],
    scopes_supported: strings(meta.scopes_supported) ?? SCOPES,
    response_types_supported: strings(meta.response_types_supported) ?? ['code'],
    code_challenge_methods_supported: strings(meta.code_challenge_methods_supported) ?? ['S256'],
    capabilities: [
      ...(authMethods.includes('private_key_jwt') ? ['client-confidential-asymmetric'] : []),
      ...(grants.includes('authorization_code') ? ['launch-standalone'] : []),
      'permission-v1',
      'permission-v2',
    ],
  };
}

/** The document this server publishes: its own issuer's, or the external issuer's (fetched once, kept an hour). */
export function smartConfiguration(config: Config): () => Promise<SmartConfiguration> {
  const external = config.auth.issuer;
  if (external === undefined) {
    const own = ownSmartConfiguration(config);
    return () => Promise.resolve(own);
  }
  let cached: { at: number; doc: Promise<SmartConfiguration> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > 3600_000) {
      const doc = externalSmartConfiguration(external);
      cached = { at: Date.now(), doc };
      doc.catch(() => (cached = undefined)); // a failure is not kept: the next request asks again
    }
    return cached.doc;
  };
}
