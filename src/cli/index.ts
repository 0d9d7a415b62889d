// The ephr-fhir command line: `map` prints the FHIR Bundle of e-PHR records, `import` stores them (issue 7, point 9).
// `import` and `reindex` open the database and the validator: their modules load only when one of them runs, so
// `map` starts with the mapping alone.
import { Command, CommanderError } from 'commander';
import { mapCommand, type Output } from './map';

const stdio: Output = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** `clients`, `users` and `token`: the authorization server's records and a first token (cli/accounts.ts). */
function accountCommands(program: Command, io: Output, done: (code: number) => void): void {
  const load = (): Promise<typeof import('./accounts.js')> => import('./accounts.js');
  const clients = program.command('clients').description("the authorization server's OAuth clients");
  clients
    .command('add')
    .description("register a backend client (SMART Backend Services) or a clinicians' application")
    .requiredOption('--id <id>', 'the client_id')
    .requiredOption('--clinic <org>', 'the clinic (Organization id) it acts for')
    .requiredOption('--scope <scopes>', 'the SMART scopes it may be granted, e.g. "system/*.rs"')
    .option('--jwks-file <file>', 'its public keys (a JWK set, JSON)')
    .option('--jwks-url <url>', 'where its public keys are published')
    .option('--roles <roles>', 'comma-separated: gbv-care, break-glass, label-admin, auditor, admin')
    .option('--name <name>', 'a name for people')
    .option(
      '--redirect-uri <uri...>',
      "a clinicians' application's redirect URIs (authorization code + PKCE)",
    )
    .action(async (o: import('./accounts.js').ClientAddOptions) =>
      done(await (await load()).clientsAdd(o, io)),
    );
  clients
    .command('list')
    .description('list the registered clients')
    .action(async () => done(await (await load()).clientsList(io)));
  const users = program.command('users').description('local accounts of clinicians');
  users
    .command('add')
    .description('add an account; the password comes from EPHR_PASSWORD or standard input, never an argument')
    .requiredOption('--username <u>', 'the username')
    .requiredOption('--clinic <org>', 'the clinic (Organization id) the person works for')
    .requiredOption('--scope <scopes>', 'the SMART scopes the person may be granted, e.g. "user/*.cruds"')
    .option('--roles <roles>', 'comma-separated: gbv-care, break-glass, label-admin, auditor, admin')
    .action(async (o: import('./accounts.js').UserAddOptions) => done(await (await load()).usersAdd(o, io)));
  users
    .command('list')
    .description('list the local accounts')
    .action(async () => done(await (await load()).usersList(io)));
  program
    .command('token')
    .description("print an access token of the local admin-cli client, signed with the server's key")
    .option('--scope <scopes>', 'the SMART scopes', 'system/*.cruds')
    .option('--clinic <org>', 'the clinic the token acts for (default: local)')
    .option('--roles <roles>', 'comma-separated roles (default: none)')
    .option('--minutes <n>', 'lifetime, 1 to 60', '60')
    .action(async (o: import('./accounts.js').TokenOptions) =>
      done(await (await load()).tokenCommand(o, io)),
    );
}

/** Runs the command line; resolves to the exit code (0 ok, 1 a record failed, 2 usage or connection error). */
export async function run(argv: string[], io: Output = stdio): Promise<number> {
  let code = 0;
  const program = new Command('ephr-fhir')
    .description('e-PHR records to HL7 FHIR R4: map them, import them into an ephr-fhir server')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  program
    .command('map')
    .argument('<file>', 'an e-PHR record (JSON), an array of records, a CSV export, or a folder of them')
    .option('--clinic <name>', 'the clinic named in the Provenance', 'ephr-fhir CLI')
    .option(
      '--format <name>',
      'the export layout of JSON records: a file in mappings/formats/ (default: e-PHR)',
    )
    .description('print the FHIR transaction Bundle of each record (stdout) and what was not mapped (stderr)')
    .action((file: string, opts: { clinic: string; format?: string }) => {
      code = mapCommand(file, opts, io);
    });
  program
    .command('import')
    .argument('<path>', 'an e-PHR record (JSON), an array of records, a CSV export, or a folder of them')
    .option('--server <url>', 'FHIR base of a running ephr-fhir server (default: the configured database)')
    .option('--clinic <name>', 'the importing clinic, named in the Provenance')
    .option('--report <file>', 'write the per-record report (JSON) to this file')
    .option(
      '--format <name>',
      'the export layout of JSON records: a file in mappings/formats/ (default: e-PHR)',
    )
    .option('--dry-run', 'map and check, store nothing')
    .option('--no-progress', 'no progress bar')
    .description(
      'import records: created / updated / unchanged / failed per record; exit code 1 when any failed',
    )
    .action(async (target: string, opts: Record<string, unknown>) => {
      const { importCommand } = await import('./import.js');
      code = await importCommand(
        target,
        {
          ...(typeof opts.server === 'string' && { server: opts.server }),
          ...(typeof opts.clinic === 'string' && { clinic: opts.clinic }),
          ...(typeof opts.report === 'string' && { report: opts.report }),
          ...(typeof opts.format === 'string' && { format: opts.format }),
          dryRun: opts.dryRun === true,
          ...(opts.progress === false && { progress: false }),
        },
        io,
      );
    });
  program
    .command('reindex')
    .description('rebuild the search index of every resource on the configured database')
    .action(async () => {
      const { reindexCommand } = await import('./reindex.js');
      code = await reindexCommand(io);
    });
  accountCommands(program, io, (c) => (code = c));
  program
    .command('audit')
    .description('the audit trail')
    .command('verify')
    .description("check the audit trail's hash chain: exit code 0 when whole, 1 at the first broken link")
    .action(async () => {
      const { auditVerifyCommand } = await import('./audit.js');
      code = await auditVerifyCommand(io);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.err(`ephr-fhir: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  return code;
}
