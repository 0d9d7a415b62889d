// `ephr-fhir clients …`, `ephr-fhir users …` and `ephr-fhir token`: the authorization server's clients and local
// accounts, registered in the configured database through the same functions the tests use, and a first access
// token for the local `admin-cli` client, signed with the server's key (issue 16, point 2).
import fs from 'node:fs';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../config';
import {
  ADMIN_CLI,
  clinic,
  clientRecord,
  ensureAdminCliClient,
  roles,
  userRecord,
} from '../security/accounts-admin';
import { openServer, type RunningServer } from '../server';
import type { Output } from './map';

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

async function withServer<T>(work: (running: RunningServer) => Promise<T>): Promise<T> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const running = await openServer(config, pino({ level: config.logLevel }), { listen: false });
  try {
    return await work(running);
  } finally {
    await running.close();
  }
}

export interface ClientAddOptions {
  id: string;
  clinic: string;
  scope: string;
  name?: string;
  roles?: string;
  jwksFile?: string;
  jwksUrl?: string;
  redirectUri?: string[];
}

export async function clientsAdd(o: ClientAddOptions, io: Output): Promise<number> {
  let jwks: unknown;
  if (o.jwksFile !== undefined) {
    try {
      jwks = JSON.parse(fs.readFileSync(o.jwksFile, 'utf8'));
    } catch (err) {
      io.err(`ephr-fhir: ${o.jwksFile}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
  }
  // Checked before the database is opened; stored as registerClient (accounts-admin.ts) stores it.
  const record = clientRecord({
    clientId: o.id,
    clinic: o.clinic,
    scope: o.scope,
    roles: list(o.roles),
    ...(o.name !== undefined && { name: o.name }),
    ...(jwks !== undefined && { jwks }),
    ...(o.jwksUrl !== undefined && { jwksUri: o.jwksUrl }),
    ...(o.redirectUri !== undefined && { redirectUris: o.redirectUri }),
  });
  await withServer((r) => r.accounts.clients.add(record));
  io.out(`client ${record.clientId} added: clinic ${record.clinic}, scope "${record.scope}"\n`);
  return 0;
}

export async function clientsList(io: Output): Promise<number> {
  const clients = await withServer((r) => r.accounts.clients.list());
  for (const c of clients)
    io.out(
      `${c.clientId}\tclinic=${c.clinic}\troles=${c.roles.join(',') || '-'}\tscope="${c.scope}"\t${
        c.jwksUri ?? (c.jwks ? 'jwks' : c.redirectUris.length ? 'public' : 'cli')
      }\n`,
    );
  return 0;
}

/** The password from EPHR_PASSWORD, else from standard input (a terminal is asked without echo). */
async function readPassword(io: Output): Promise<string> {
  const fromEnv = process.env.EPHR_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  io.err('Password: ');
  const muted = new Writable({ write: (_c, _e, done) => done() });
  const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
  const line = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  io.err('\n');
  return line;
}

export interface UserAddOptions {
  username: string;
  clinic: string;
  scope: string;
  roles?: string;
}

export async function usersAdd(o: UserAddOptions, io: Output): Promise<number> {
  const password = await readPassword(io);
  const record = await userRecord(
    { username: o.username, clinic: o.clinic, scope: o.scope, roles: list(o.roles) },
    password,
  );
  await withServer((r) => r.accounts.users.add(record));
  io.out(`user ${record.username} added: clinic ${record.clinic}, scope "${record.scope}"\n`);
  return 0;
}

export async function usersList(io: Output): Promise<number> {
  const users = await withServer((r) => r.accounts.users.list());
  for (const u of users)
    io.out(
      `${u.username}\tclinic=${u.clinic}\troles=${u.roles.join(',') || '-'}\tscope="${u.scope}"${u.disabled ? '\tdisabled' : ''}\n`,
    );
  return 0;
}

export interface TokenOptions {
  scope: string;
  clinic?: string;
  roles?: string;
  minutes: string;
}

export async function tokenCommand(o: TokenOptions, io: Output): Promise<number> {
  const minutes = Number(o.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) {
    io.err('ephr-fhir: --minutes must be a whole number from 1 to 60\n');
    return 2;
  }
  // Checked before the database is opened.
  const claims = {
    ...(o.clinic !== undefined && { clinic: clinic(o.clinic) }),
    ...(o.roles !== undefined && { roles: roles(list(o.roles)) }),
  };
  return withServer(async (r) => {
    if (!r.authorization) {
      io.err(
        `ephr-fhir: tokens come from ${r.ctx.config.auth.issuer} (AUTH_ISSUER): ask that issuer for one\n`,
      );
      return 2;
    }
    await ensureAdminCliClient(r.accounts);
    const token = await r.authorization.mint(ADMIN_CLI, {
      scope: o.scope,
      ...claims,
      lifetime: minutes * 60,
    });
    io.out(token + '\n');
    io.err(`an access token for ${r.ctx.config.baseUrl}, valid ${minutes} minutes\n`);
    return 0;
  });
}
