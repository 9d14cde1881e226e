// The `streamd` command line: commander 14 subcommands wired to their implementations, usage errors
// mapped to exit 2, and every failure reported through report-error.ts. cmd/streamd.ts calls runCli.

import { Command, CommanderError } from 'commander';
import { parseLogLevel, type LogLevel } from '../log/index.js';
import { CliUsageError, EXIT_OK, EXIT_USAGE, type CliIo } from './cli-io.js';
import { parseBrokerUrl, parseLogLevelFlag, parsePartition, parsePort, parseRepeat, type SettingFlags } from './flags.js';
import { runAgents, runCheck, runModel, runModels, type InspectFlags } from './inspect-commands.js';
import { reportError } from './report-error.js';
import { completionScript } from './completion.js';
import { runSend } from './send-command.js';
import { runStart, type StartDeps } from './start-command.js';
import { packageVersion } from './version.js';

/** What the commands need beyond the process's streams. */
export interface CliDeps {
  readonly start: StartDeps;
}

/** The flags as commander parses them, before the manifest path is settled. */
type ParsedFlags = Omit<InspectFlags, 'manifest'> & { readonly manifest?: string };

const EXAMPLES = `
Examples:
  streamd check --manifest app.yaml
  streamd start --manifest app.yaml --web-port 6066 --log-level debug
  streamd send page_views '{"id": "home", "user": "ada"}' --key home --manifest app.yaml
  streamd agents --manifest app.yaml --json
  streamd tables --manifest app.yaml
  streamd reset --manifest app.yaml --topics
  streamd clean-versions --manifest app.yaml --dry-run

The manifest may also be named by STREAMD_MANIFEST, the log level by STREAMD_LOG_LEVEL.
Exit codes: 0 ok, 1 failure at run time, 2 usage or configuration error.`;

const SEND_HELP = `
The value comes from the argument, or from stdin when it is omitted. It is parsed as JSON when it
parses and taken as a string otherwise (a topic of type string or bytes takes the text as it is).
With a memory:// broker the message goes through the running daemon (POST /topics/<topic>/messages on
its web port); with kafka:// the CLI produces it itself, encoded with the topic's serializers and
checked against its model.`;

const RESET_HELP = `
It lists what it will delete and asks first; --yes skips the question, and is required when stdin is
not a terminal. It refuses while a worker on this machine holds one of the stores. Only topics whose
whole name streamd gives this manifest's tables and agents are deleted (never a topic the manifest
declares); topics named like them but not this manifest's are listed and left alone. Run it with
every worker of the app stopped: reset does not touch the consumer group's committed offsets.`;

const CLEAN_VERSIONS_HELP = `
Each app version keeps its table stores and member record in <datadir>/<id>/v<version>; bumping
version: in the manifest starts a fresh directory and leaves the old one behind. This removes the
directories of lower versions and says what it removed, with sizes. It never removes the current
version's, nor a newer one's, nor anything not named v<number>; a version whose stores a running
worker holds is left alone and listed. It does not ask: run it with --dry-run first to see the list.`;

/** `--manifest`, or STREAMD_MANIFEST; a usage error when neither is there. */
function withManifest<T extends ParsedFlags>(flags: T, io: CliIo): T & { readonly manifest: string } {
  const manifest = flags.manifest ?? io.env['STREAMD_MANIFEST'];
  if (manifest === undefined || manifest === '') throw new CliUsageError('name the manifest: --manifest app.yaml (or set STREAMD_MANIFEST)');
  return { ...flags, manifest };
}

function logLevelFrom(flag: LogLevel | undefined, io: CliIo): LogLevel {
  if (flag !== undefined) return flag;
  const fromEnv = io.env['STREAMD_LOG_LEVEL'];
  if (fromEnv === undefined || fromEnv === '') return 'info';
  const level = parseLogLevel(fromEnv);
  if (level === undefined) throw new CliUsageError(`STREAMD_LOG_LEVEL="${fromEnv}" is not a log level; use trace, debug, info, warn, error, fatal or silent`);
  return level;
}

function addSettingFlags(command: Command): Command {
  return command
    .option('--broker <url>', 'broker URL: kafka://host:port[,host:port] or memory:// (overrides the manifest)', parseBrokerUrl)
    .option('--web-port <n>', 'web server port; 0 picks a free one', parsePort)
    .option('--web-host <host>', 'interface the web server binds');
}

/** Builds the program; each action hands its exit code to `setCode`. */
export function buildProgram(io: CliIo, deps: CliDeps, setCode: (code: number) => void): Command {
  const program = new Command('streamd')
    .description("Faust's model of stream processing (agents, tables, windows, timers) as a worker daemon on Kafka")
    .version(`streamd ${packageVersion()}`, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES);

  const manifestFlag = ['-m, --manifest <file>', 'the app manifest (app.yaml)'] as const;

  addSettingFlags(program.command('start').description('run the worker: agents, tables, timers and the web server, until SIGTERM/SIGINT'))
    .option(...manifestFlag)
    .option('--datadir <dir>', 'directory for table state (overrides the manifest)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default info)', parseLogLevelFlag)
    .action(async (flags: ParsedFlags & SettingFlags & { logLevel?: LogLevel }) => {
      const { logLevel, ...rest } = withManifest(flags, io);
      setCode(await runStart({ ...rest, logLevel: logLevelFrom(logLevel, io) }, io, deps.start));
    });

  addSettingFlags(program.command('check').description('validate the manifest and print its topology, without starting anything'))
    .option(...manifestFlag)
    .option('--json', 'print JSON only')
    .action(async (flags: ParsedFlags) => setCode(await runCheck(withManifest(flags, io), io)));

  program.command('agents').description("list the manifest's agents")
    .option(...manifestFlag)
    .option('--json', 'print JSON only')
    .action(async (flags: ParsedFlags) => setCode(await runAgents(withManifest(flags, io), io)));

  program.command('models').description("list the manifest's models")
    .option(...manifestFlag)
    .option('--json', 'print JSON only')
    .action(async (flags: ParsedFlags) => setCode(await runModels(withManifest(flags, io), io)));

  program.command('tables').description("list the manifest's tables and their local state: partition stores on disk, bytes, changelog offsets")
    .option(...manifestFlag)
    .option('--datadir <dir>', 'directory for table state (overrides the manifest)')
    .option('--json', 'print JSON only')
    .action(async (flags: ParsedFlags) => {
      // Loaded on use: it brings in RocksDB and the worker's naming, which the other commands do without.
      const { runTables } = await import('./tables-command.js');
      setCode(await runTables(withManifest(flags, io), io));
    });

  program.command('reset').description("delete the app's local state (<datadir>/<id>/v<version>); with --topics also its internal topics on the broker")
    .option(...manifestFlag)
    .option('--datadir <dir>', 'directory for table state (overrides the manifest)')
    .option('--broker <url>', 'broker URL for --topics: kafka://host:port[,host:port] or memory:// (overrides the manifest)', parseBrokerUrl)
    .option('--topics', 'also delete the internal topics: changelogs, repartition, dead-letter, reply and leader topics')
    .option('-y, --yes', 'delete without asking (required when stdin is not a terminal)')
    .option('--json', 'print what was deleted as JSON only')
    .addHelpText('after', RESET_HELP)
    .action(async (flags: ParsedFlags & { yes?: boolean; topics?: boolean }) => {
      const { runReset } = await import('./reset-command.js');
      setCode(await runReset(withManifest(flags, io), io));
    });

  program.command('clean-versions').description("delete the local state of the app's older versions (<datadir>/<id>/v<n> for n below the manifest's version)")
    .option(...manifestFlag)
    .option('--datadir <dir>', 'directory for table state (overrides the manifest)')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print what was removed as JSON only')
    .addHelpText('after', CLEAN_VERSIONS_HELP)
    .action(async (flags: ParsedFlags & { dryRun?: boolean }) => {
      const { runCleanVersions } = await import('./clean-versions-command.js');
      setCode(await runCleanVersions(withManifest(flags, io), io));
    });

  program.command('model').description("show a model's fields (--json: its JSON Schema)")
    .argument('<name>', 'the model')
    .option(...manifestFlag)
    .option('--json', 'print the JSON Schema only')
    .action(async (name: string, flags: ParsedFlags) => setCode(await runModel(name, withManifest(flags, io), io)));

  addSettingFlags(program.command('send').description('send one message to a topic, or to an agent\'s topic as @agent'))
    .argument('<topic>', 'a topic, or @agent for the agent\'s topic')
    .argument('[value]', 'the value; read from stdin when omitted')
    .option(...manifestFlag)
    .option('-k, --key <key>', 'the message key')
    .option('-p, --partition <n>', 'the partition (default: chosen by the key)', parsePartition)
    .option('--repeat <n>', 'send the message n times (Faust\'s send --repeat); prints where each landed', parseRepeat)
    .option('--json', 'print where it landed as JSON')
    .addHelpText('after', SEND_HELP)
    .action(async (topic: string, value: string | undefined, flags: ParsedFlags & { key?: string; partition?: number; repeat?: number }) =>
      setCode(await runSend(topic, value, withManifest(flags, io), io)));

  program.command('completion').description('print a bash completion script: source <(streamd completion)')
    .action(() => {
      io.stdout.write(completionScript(program));
      setCode(EXIT_OK);
    });

  return program;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, deps, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(error, io);
  }
  return code;
}
