// Registering OAuth clients and local accounts, checked before they are stored: what `ephr-fhir clients add` and
// `ephr-fhir users add` do, and what tests call to set up the same records.
import type { Accounts, ClientRecord, UserRecord } from '../storage';
import { hashPassword, passwordProblem } from './passwords';
import { ROLES, type Role } from './principal';
import { checkAllowedScopes } from './scope-grant';
import { ScopeError } from './scopes';

/** A registration that cannot be stored as asked; the message says what to change. */
export class RegistrationError extends Error {}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** FHIR id syntax (datatypes.html#id): the clinic is an Organization id. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface ClientInput {
  clientId: string;
  name?: string;
  clinic: string;
  scope: string;
  roles?: string[];
  jwks?: unknown;
  jwksUri?: string;
  redirectUris?: string[];
}

export interface UserInput {
  username: string;
  clinic: string;
  scope: string;
  roles?: string[];
}

export function roles(list: string[] = []): Role[] {
  for (const r of list)
    if (!(ROLES as readonly string[]).includes(r))
      throw new RegistrationError(`unknown role "${r}" (roles: ${ROLES.join(', ')})`);
  return [...new Set(list)] as Role[];
}

function scope(s: string): string {
  try {
    return checkAllowedScopes(s);
  } catch (err) {
    if (err instanceof ScopeError) throw new RegistrationError(err.message);
    throw err;
  }
}

export function clinic(c: string): string {
  if (!FHIR_ID.test(c))
    throw new RegistrationError(`clinic "${c}" must be an Organization id (FHIR id syntax)`);
  return c;
}

function httpUrl(what: string, u: string): string {
  try {
    const url = new URL(u);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
  } catch {
    // named below
  }
  throw new RegistrationError(`${what} "${u}" must be an absolute http(s) URL`);
}

/** A JWK set of public signing keys; a private member anywhere is refused (the key would be disclosed). */
function publicJwks(value: unknown): ClientRecord['jwks'] {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new RegistrationError('the JWK set must be {"keys": [...]} with at least one key');
  for (const k of keys as Array<Record<string, unknown>>) {
    if (typeof k !== 'object' || k === null || (k.kty !== 'RSA' && k.kty !== 'EC'))
      throw new RegistrationError('each key must be an RSA or EC public key (kty RSA or EC)');
    if (PRIVATE_MEMBERS.some((m) => m in k))
      throw new RegistrationError(
        `key ${typeof k.kid === 'string' ? k.kid : ''} holds private key material: register the public key only`,
      );
  }
  return { keys: keys as Array<Record<string, unknown>> };
}

/** The record of a client, checked; RegistrationError says what is wrong. */
export function clientRecord(c: ClientInput): ClientRecord {
  if (!ID.test(c.clientId))
    throw new RegistrationError(`client id "${c.clientId}" must be 1-64 letters, digits, ".", "_" or "-"`);
  const redirectUris = (c.redirectUris ?? []).map((u) => httpUrl('redirect URI', u));
  if ((c.jwks === undefined) === (c.jwksUri === undefined) && redirectUris.length === 0)
    throw new RegistrationError(
      'a backend client needs its public keys: --jwks-file or --jwks-url (one of them)',
    );
  if (c.jwks !== undefined && c.jwksUri !== undefined)
    throw new RegistrationError('give --jwks-file or --jwks-url, not both');
  return {
    clientId: c.clientId,
    name: c.name ?? c.clientId,
    clinic: clinic(c.clinic),
    scope: scope(c.scope),
    roles: roles(c.roles),
    ...(c.jwks !== undefined && { jwks: publicJwks(c.jwks) }),
    ...(c.jwksUri !== undefined && { jwksUri: httpUrl('JWKS URL', c.jwksUri) }),
    redirectUris,
    created: new Date(),
  };
}

/** Registers a client; DuplicateRecord (from storage) when the id is taken. */
export async function registerClient(accounts: Accounts, c: ClientInput): Promise<ClientRecord> {
  const record = clientRecord(c);
  await accounts.clients.add(record);
  return record;
}

/** The record of a local account, checked, with the password's scrypt hash (the password itself is not kept). */
export async function userRecord(u: UserInput, password: string): Promise<UserRecord> {
  if (!ID.test(u.username))
    throw new RegistrationError(`username "${u.username}" must be 1-64 letters, digits, ".", "_" or "-"`);
  const problem = passwordProblem(password);
  if (problem) throw new RegistrationError(problem);
  const record: UserRecord = {
    username: u.username,
    clinic: clinic(u.clinic),
    scope: scope(u.scope),
    roles: roles(u.roles),
    password: await hashPassword(password),
    disabled: false,
    created: new Date(),
  };
  return record;
}

/** Registers a local account; DuplicateRecord (from storage) when the username is taken. */
export async function registerUser(accounts: Accounts, u: UserInput, password: string): Promise<UserRecord> {
  const record = await userRecord(u, password);
  await accounts.users.add(record);
  return record;
}

/** The client the CLI's `token` command mints for: made on first use, clinic `local`, no role. */
export const ADMIN_CLI = 'admin-cli';

export async function ensureAdminCliClient(accounts: Accounts): Promise<ClientRecord> {
  const existing = await accounts.clients.get(ADMIN_CLI);
  if (existing) return existing;
  // No keys and no grant type: nobody can get a token for it at the token endpoint; only the CLI, which holds the
  // database and the signing keys, mints for it.
  const record: ClientRecord = {
    clientId: ADMIN_CLI,
    name: 'ephr-fhir command line',
    clinic: 'local',
    scope: 'system/*.cruds system/AuditEvent.rs',
    roles: [],
    redirectUris: [],
    created: new Date(),
  };
  await accounts.clients.put(record);
  return record;
}
