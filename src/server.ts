// Opens the database (embedded or MONGODB_URI), builds the app and listens; close() undoes it all in order.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config';
import { createApp } from './http/app';
import { handlers } from './interactions';
import type { ServerContext } from './interactions/types';
import { openStorage, type Faults, type OpenStorage, type WritePipeline } from './storage';
import { auditTrail } from './security/audit-event';
import { withAuditTrail } from './security/audit-access';
import { createValidator, type Validator } from './validation';
import { isOwnQuestionnaire, seedQuestionnaires } from './interactions/conformance';
import { configureSearchParameters, indexResource } from './search';
import { projectRoot } from './project-root';
import { labelWrite } from './security/labels';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import { Authenticator, remoteIssuer, type TokenIssuer } from './security/authenticate';
import { BreakGlass } from './security/break-glass';
import { ConsentDirectory } from './security/consent';
import { ownSmartConfiguration } from './security/smart-configuration';
import { authorizationServer, ownIssuer, type AuthorizationServer } from './security/authorization-server';
import { answerClientError } from './http/client-error';

export interface RunningServer {
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  /** Behind the storage port, for tests and tools that look inside storage. */
  db: OpenStorage['db'];
  repo: OpenStorage['repository'];
  embedded: OpenStorage['embedded'];
  /** The audit log (append-only, hash-chained): `ephr-fhir audit verify` checks it. */
  audit: OpenStorage['audit'];
  /** What the interactions see: the CLI imports through it without HTTP. */
  ctx: ServerContext;
  /** The server's own application records (OAuth clients, accounts): the CLI manages them through it. */
  accounts: OpenStorage['accounts'];
  /** This server's own authorization server; absent when AUTH_ISSUER names an external one. */
  authorization: AuthorizationServer | undefined;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Test-only fault injection into the write pipeline. */
  faults?: Faults;
  /** False opens the database and the context without an HTTP listener (the CLI's embedded import). */
  listen?: boolean;
}

/** REQUIRE_PROFILES must name profiles we hold, each for the type it is listed under (else every write would fail). */
function checkRequiredProfiles(config: Config, validator: Validator): void {
  for (const [type, urls] of Object.entries(config.requiredProfiles)) {
    for (const url of urls) {
      const of = validator.profileType(url);
      if (of === undefined)
        throw new ConfigError(`REQUIRE_PROFILES: ${url} (for ${type}) is not a profile this server knows`);
      if (of !== type)
        throw new ConfigError(`REQUIRE_PROFILES: ${url} is a profile of ${of}, not of ${type}`);
    }
  }
}

export async function openServer(
  config: Config,
  logger: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  // Every definition is compiled here, before anything is opened or listens, so no request pays for a first use.
  const validator = createValidator({ profileDirs: [path.join(projectRoot, 'profiles')] });
  logger.info(validator.compiled, 'validator compiled');
  checkRequiredProfiles(config, validator);
  configureSearchParameters({ extraSearchParameterDirs: [path.join(projectRoot, 'profiles')] });
  const pipeline: WritePipeline = {
    validate: (resource) =>
      validator.validate(resource, { profiles: config.requiredProfiles[resource.resourceType] ?? [] }),
    index: (resource) =>
      indexResource(resource, { baseUrl: config.baseUrl, maxStringLength: config.maxIndexedStringLength }),
    protect: (type, id) =>
      isOwnQuestionnaire(validator, type, id)
        ? `${type}/${id} is the server's own: it changes with a release of the server, not through the API`
        : undefined,
    // Security labels follow GBV content on every write (issue 16 point 6).
    label: (tree, current, labelsOf, labelAdmin) => labelWrite(tree, current, labelsOf, labelAdmin),
  };
  const storage = await openStorage({
    mongodbUri: config.mongodbUri,
    dbName: config.dbName,
    dataDir: config.dataDir,
    embeddedDbPort: config.embeddedDbPort,
    diskFreeMarginBytes: config.diskFreeMarginBytes,
    pipeline,
    textCacheChars: config.resourceCacheMb * 2 ** 20,
    dbMaxTimeMs: config.dbMaxTimeMs,
    logger,
    ...(options.faults && { faults: options.faults }),
  });
  const ctx: ServerContext = {
    config,
    logger,
    ready: () => storage.ready(),
    storageFault: (err) => storage.fault(err),
    unavailable: () => storage.unavailable(),
    // AUDIT: AuditEvent is read from the audit log, by auditors alone, and never written through the API
    handlers: withAuditTrail(handlers, storage.audit),
    repo: storage.repo,
    search: { store: storage.search, hooks: {} },
    validator,
  };
  await seedQuestionnaires(ctx).catch((err: unknown) => {
    // On a full disk the server starts for reads; the Questionnaires stored before serve.
    if (storage.fault(err)?.status !== 507) throw err;
    logger.error("the disk is full: the server's own Questionnaires were not brought up to date");
  });
  if (config.auth.issuer === undefined) {
    const own = ownSmartConfiguration(config);
    ctx.oauth = {
      token: own.token_endpoint,
      ...(own.authorization_endpoint && { authorize: own.authorization_endpoint }),
    };
  }
  const { auth } = config;
  // Tokens come from an external issuer (AUTH_ISSUER) or from this server's own authorization server at /oauth.
  const authorization =
    auth.issuer === undefined ? await authorizationServer(config, storage.accounts) : undefined;
  const issuer: TokenIssuer = auth.issuer
    ? remoteIssuer({ ...auth, issuer: auth.issuer })
    : await localIssuer(config);
  if (auth.devUnauthenticated)
    logger.warn(
      { host: config.host },
      'DEV_UNAUTHENTICATED=loopback: requests without a token act with EVERY permission. Development only: listening on loopback alone.',
    );
  const security = {
    authenticator: new Authenticator(auth, issuer),
    guards: {
      consents: new ConsentDirectory(storage.search),
      breakGlass: new BreakGlass(config.breakGlassMinutes),
    },
    ...(authorization && { authorization }),
    // AUDIT: every FHIR request is recorded (security/audit-event.ts); users and clients are named by the issuer.
    audit: auditTrail(storage.audit, { baseUrl: config.baseUrl, issuer: issuer.issuer }),
  };
  const server = options.listen === false ? undefined : http.createServer(createApp(ctx, security));
  // Errors of the HTTP parser (431, malformed requests) are OperationOutcomes too.
  server?.on('clientError', answerClientError);
  if (server) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, resolve);
      });
    } catch (err) {
      await storage.close();
      throw err;
    }
  }
  const port = server ? (server.address() as AddressInfo).port : 0;
  let closing: Promise<void> | undefined;
  return {
    port,
    db: storage.db,
    repo: storage.repository,
    embedded: storage.embedded,
    audit: storage.audit,
    ctx,
    accounts: storage.accounts,
    authorization,
    close: () =>
      (closing ??= (async () => {
        if (server) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        await storage.close();
      })()),
  };
}

/** This server's own issuer, verified against the public keys of its authorization server. */
async function localIssuer(config: Config): Promise<TokenIssuer> {
  const own = await ownIssuer(config);
  return { issuer: own.issuer, keys: createLocalJWKSet(own.jwks) };
}
