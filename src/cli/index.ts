// The ephr-fhir command line: `map` prints the FHIR Bundle of e-PHR records, `import` stores them (issue 7, point 9).
// `import` and `reindex` open the database and the validator: their modules load only when one of them runs, so
// `map` starts with the mapping alone.
import { Command, CommanderError } from 'commander';
import { mapCommand, type Output } from './map';

const stdio: Output = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

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
