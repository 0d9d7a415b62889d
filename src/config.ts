// Typed settings from the environment, validated once at start with messages that name the variable.
import path from 'node:path';

export interface Config {
  port: number;
  baseUrl: string;
  /** Absent: the embedded FerretDB is built (once) and started. */
  mongodbUri: string | undefined;
  dbName: string;
  dataDir: string;
  embeddedDbPort: number;
  /** Writes answer 507 and /readyz 503 when less than this is free on the data directory's disk (DISK_FREE_MARGIN). */
  diskFreeMarginBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  maxBodyBytes: number;
  maxBundleEntries: number;
  /** Operations one JSON Patch or FHIRPath Patch may hold (PATCH_MAX_OPERATIONS). */
  patchMaxOperations: number;
  /** Bytes of JSON a patched resource may reach, with what the patch adds (PATCH_MAX_RESULT_SIZE). */
  patchMaxResultBytes: number;
  /** Megabytes of resource text kept in memory for reads (RESOURCE_CACHE_MB); 0 for none. */
  resourceCacheMb: number;
  searchDefaultCount: number;
  searchMaxCount: number;
  /** Links one chained parameter may have (`subject.organization.name` has 2). */
  searchMaxChainDepth: number;
  /** Resources one chain or `_has` link may find before the search is refused as too costly. */
  searchMaxChainResults: number;
  /** Resources `_include`/`_revinclude` add to one page at most. */
  searchMaxIncludes: number;
  /** Rounds of `_include:iterate` / `_revinclude:iterate`. */
  searchMaxIncludeIterations: number;
  /** Parameters one search may have (SEARCH_MAX_PARAMETERS). */
  searchMaxParameters: number;
  /** OR values one search parameter may have (SEARCH_MAX_VALUES). */
  searchMaxValues: number;
  /** Characters one search value may have, `:contains` and `phonetic` included (SEARCH_MAX_VALUE_LENGTH). */
  searchMaxValueLength: number;
  /** Characters a string that is indexed (names, text, identifiers, codes) may have at write (MAX_INDEXED_STRING_LENGTH). */
  maxIndexedStringLength: number;
  /** Milliseconds one database read of a request may run (DB_MAX_TIME_MS): `maxTimeMS`, and a client-side stop. */
  dbMaxTimeMs: number;
  /** Profiles every resource of a type must conform to, by type (REQUIRE_PROFILES). */
  requiredProfiles: Record<string, string[]>;
  /** The clinic an e-PHR import names in its Provenance when the request names none. */
  importClinic: string;
  /** The interface the server listens on (HOST); loopback alone under the development bypass. */
  host: string;
  auth: AuthConfig;
  /** Origins a browser may call the API from (CORS_ORIGINS, comma-separated); none by default. */
  corsOrigins: string[];
  /** How long a break-glass access stays open (BREAK_GLASS_MINUTES). */
  breakGlassMinutes: number;
}

/** Who issues the tokens this server accepts, and where their claims are. */
export interface AuthConfig {
  /** An external OpenID Connect / OAuth 2.0 issuer (AUTH_ISSUER); absent: this server's own, at `<origin>/oauth`. */
  issuer?: string;
  /** The external issuer's JWKS (AUTH_JWKS_URL); absent: `jwks_uri` of its discovery document. */
  jwksUrl?: string;
  /** The audience every token must name (AUTH_AUDIENCE; default BASE_URL). */
  audience: string;
  /** Claim names (AUTH_CLAIM_CLINIC, AUTH_CLAIM_ROLES, AUTH_CLAIM_PATIENT). */
  clinicClaim: string;
  rolesClaim: string;
  patientClaim: string;
  /**
   * DEV_UNAUTHENTICATED=loopback: a request without a token acts as a development caller with every permission.
   * The server then listens on 127.0.0.1 alone and says so at start and on every response. Never in a deployment.
   */
  devUnauthenticated: boolean;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}="${raw}" must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

/** Parses sizes such as `5mb`, `512kb` or a plain byte count. */
export function parseSize(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`${name}="${raw}" must be a size such as 5mb, 512kb or 1048576`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[unit] ?? 1;
  return Math.floor(Number(m[1]) * factor);
}

/** `Patient=url1 url2,Observation=url3`: the profiles each resource of a type must conform to. */
function profilePolicy(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([A-Z][A-Za-z]+)=(.+)$/.exec(part);
    if (!m)
      throw new ConfigError(
        `REQUIRE_PROFILES: "${part}" must look like Patient=http://.../StructureDefinition/x`,
      );
    out[m[1]!] = [...(out[m[1]!] ?? []), ...m[2]!.split(/\s+/).filter((u) => u !== '')];
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const baseUrl = (env.BASE_URL || `http://localhost:${port}/fhir`).replace(/\/+$/, '');
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(
      `BASE_URL="${env.BASE_URL}" must be an absolute http(s) URL such as https://fhir.example.org/fhir`,
    );
  }
  const mongodbUri = env.MONGODB_URI || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  const dbName = env.DB_NAME || 'ephr';
  if (!/^[a-z0-9_]{1,38}$/.test(dbName)) {
    throw new ConfigError(`DB_NAME="${dbName}" must match [a-z0-9_]{1,38}`);
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL="${env.LOG_LEVEL}" must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port,
    baseUrl,
    mongodbUri,
    dbName,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    embeddedDbPort: int(env, 'EMBEDDED_DB_PORT', 27018, 0, 65535),
    diskFreeMarginBytes: parseSize('DISK_FREE_MARGIN', env.DISK_FREE_MARGIN || '64mb'),
    logLevel,
    maxBodyBytes: parseSize('MAX_BODY_SIZE', env.MAX_BODY_SIZE || '5mb'),
    maxBundleEntries: int(env, 'MAX_BUNDLE_ENTRIES', 5000, 1, 100_000),
    patchMaxOperations: int(env, 'PATCH_MAX_OPERATIONS', 1000, 1, 100_000),
    patchMaxResultBytes: parseSize('PATCH_MAX_RESULT_SIZE', env.PATCH_MAX_RESULT_SIZE || '5mb'),
    resourceCacheMb: int(env, 'RESOURCE_CACHE_MB', 64, 0, 65_536),
    searchDefaultCount: int(env, 'SEARCH_DEFAULT_COUNT', 20, 1, 10_000),
    searchMaxCount: int(env, 'SEARCH_MAX_COUNT', 1000, 1, 10_000),
    searchMaxChainDepth: int(env, 'SEARCH_MAX_CHAIN_DEPTH', 3, 1, 10),
    searchMaxChainResults: int(env, 'SEARCH_MAX_CHAIN_RESULTS', 10_000, 1, 1_000_000),
    searchMaxIncludes: int(env, 'SEARCH_MAX_INCLUDES', 1000, 0, 100_000),
    searchMaxIncludeIterations: int(env, 'SEARCH_MAX_INCLUDE_ITERATIONS', 4, 1, 10),
    searchMaxParameters: int(env, 'SEARCH_MAX_PARAMETERS', 64, 1, 10_000),
    searchMaxValues: int(env, 'SEARCH_MAX_VALUES', 100, 1, 100_000),
    searchMaxValueLength: int(env, 'SEARCH_MAX_VALUE_LENGTH', 1024, 16, 1_000_000),
    maxIndexedStringLength: int(env, 'MAX_INDEXED_STRING_LENGTH', 65_536, 64, 1_000_000),
    dbMaxTimeMs: int(env, 'DB_MAX_TIME_MS', 10_000, 100, 3_600_000),
    requiredProfiles: profilePolicy(env.REQUIRE_PROFILES ?? ''),
    importClinic: env.IMPORT_CLINIC || 'unnamed clinic',
    ...listening(env),
    auth: authConfig(env, baseUrl),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '')
      .map((o) => {
        if (!/^https?:\/\/[^/]+$/.test(o))
          throw new ConfigError(`CORS_ORIGINS: "${o}" must be an origin such as https://clinic.example.org`);
        return o;
      }),
    breakGlassMinutes: int(env, 'BREAK_GLASS_MINUTES', 30, 1, 24 * 60),
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function listening(env: NodeJS.ProcessEnv): { host: string } {
  const dev = env.DEV_UNAUTHENTICATED ?? '';
  if (dev !== '' && dev !== 'loopback')
    throw new ConfigError(
      `DEV_UNAUTHENTICATED="${dev}": the only value is "loopback" (unset it in a deployment)`,
    );
  const host = env.HOST || (dev ? '127.0.0.1' : '0.0.0.0');
  if (dev && !LOOPBACK.has(host))
    throw new ConfigError(`DEV_UNAUTHENTICATED=loopback listens on loopback alone, not HOST="${host}"`);
  return { host };
}

function authConfig(env: NodeJS.ProcessEnv, baseUrl: string): AuthConfig {
  const url = (name: string): string | undefined => {
    const raw = env[name];
    if (!raw) return undefined;
    try {
      const u = new URL(raw);
      if (u.protocol === 'https:' || u.protocol === 'http:') return raw.replace(/\/+$/, '');
    } catch {
      // named below
    }
    throw new ConfigError(`${name}="${raw}" must be an absolute http(s) URL`);
  };
  const issuer = url('AUTH_ISSUER');
  const jwksUrl = url('AUTH_JWKS_URL');
  if (jwksUrl && !issuer)
    throw new ConfigError('AUTH_JWKS_URL needs AUTH_ISSUER (the issuer whose keys they are)');
  return {
    ...(issuer && { issuer }),
    ...(jwksUrl && { jwksUrl }),
    audience: env.AUTH_AUDIENCE || baseUrl,
    clinicClaim: env.AUTH_CLAIM_CLINIC || 'clinic',
    rolesClaim: env.AUTH_CLAIM_ROLES || 'roles',
    patientClaim: env.AUTH_CLAIM_PATIENT || 'patient',
    devUnauthenticated: env.DEV_UNAUTHENTICATED === 'loopback',
  };
}
