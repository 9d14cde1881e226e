// The test runner behind `npm test`: collects dist/test/<suite>/**/*.test.js, starts a TestBroker
// (unless --no-broker, or STREAMD_TEST_KAFKA names an external broker) and runs `node --test` on them.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChildExit, isRunning, terminate, trackExit } from './child-exit.js';
import { TestBroker } from './broker.js';
import { HarnessError } from './harness-error.js';
import { cachedKafkaJars, ensureKafkaJars } from './jars.js';
import { repoRoot } from './repo-root.js';
import { exitCodeOf, onTerminationSignals, signalExitCode, type TerminationSignal } from './signals.js';

const USAGE = 'usage: node dist/test/kafka/run-tests.js [--no-broker] <suite>...  (a suite is a directory of dist/test: unit, contract, integration, e2e, kafka, chaos)';
/** After forwarding Ctrl-C, how long the tests get to run their own cleanup before SIGKILL. */
const TEST_SHUTDOWN_GRACE_MS = 10_000;

/** Everything the run owns, so signal and error paths can clean it up. */
interface Run {
  readonly abort: AbortController;
  broker?: TestBroker;
  tests?: { child: ReturnType<typeof spawn>; exited: Promise<ChildExit> };
  /** The background install of the deployment tools (its own process group: Go's build runs under it). */
  prefetch?: { child: ReturnType<typeof spawn>; exited: Promise<ChildExit> };
  signal?: TerminationSignal;
}

/** An expected failure: printed without a stack trace, ends the run with `exitCode`. */
class RunnerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function parseCommandLine(argv: string[]): { noBroker: boolean; suites: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { 'no-broker': { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (positionals.length === 0) throw new Error('name at least one suite');
    return { noBroker: values['no-broker'], suites: positionals };
  } catch (error) {
    throw new RunnerError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
}

/** *.test.js under dist/test/<suite> for each suite; a missing directory contributes nothing. */
async function collectTestFiles(suites: string[]): Promise<string[]> {
  const root = repoRoot();
  const files: string[] = [];
  for (const suite of suites) {
    const dir = join(root, 'dist', 'test', suite);
    const entries = await readdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const tests = entries.filter((entry) => entry.endsWith('.test.js')).sort();
    files.push(...tests.map((entry) => relative(root, join(dir, entry))));
  }
  if (files.length === 0) {
    throw new RunnerError(`no *.test.js files in dist/test/{${suites.join(',')}}; did \`npm run build\` run?`, 1);
  }
  return files;
}

/** STREAMD_TEST_KAFKA and STREAMD_TEST_KAFKA_CLASSPATH for the tests; starts our broker if needed. */
async function testEnvironment(run: Run, noBroker: boolean): Promise<NodeJS.ProcessEnv> {
  const env = { ...process.env };
  const external = env['STREAMD_TEST_KAFKA'];
  let classpath = cachedKafkaJars()?.classpath;
  if (!noBroker && (external === undefined || external === '')) {
    classpath = (await ensureKafkaJars({ log: say, signal: run.abort.signal })).classpath;
    const broker = await TestBroker.start({ classpath, signal: run.abort.signal });
    run.broker = broker;
    env['STREAMD_TEST_KAFKA'] = broker.bootstrap;
    say(`test broker: Kafka ${broker.version} on ${broker.bootstrap} (started in ${(broker.startedMs / 1000).toFixed(1)} s)`);
    void broker.exited.then(() => {
      if (run.broker === broker) say(`test broker: exited while tests ran; last output:\n${broker.outputTail(20).join('\n')}`);
    });
  } else if (!noBroker) {
    say(`test broker: external, STREAMD_TEST_KAFKA=${external}`);
    // The contract suite still needs the Kafka client jars for its Java cross-checks.
    classpath ??= await ensureKafkaJars({ log: say, signal: run.abort.signal }).then(
      (jars) => jars.classpath,
      (error: unknown) => {
        say(`test broker: no Kafka jars, STREAMD_TEST_KAFKA_CLASSPATH stays unset (${String(error)})`);
        return undefined;
      },
    );
  }
  if (classpath !== undefined && env['STREAMD_TEST_KAFKA_CLASSPATH'] === undefined) env['STREAMD_TEST_KAFKA_CLASSPATH'] = classpath;
  return env;
}

/**
 * Starts installing the deployment tools (Helm builds for minutes on first use) while the earlier
 * suites run; the chart and Dockerfile tests wait for it (deploy-tools.ts locks each install).
 */
function prefetchDeployTools(run: Run): void {
  const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'test', 'helpers', 'prefetch-deploy-tools.js')], {
    cwd: repoRoot(),
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  run.prefetch = { child, exited: trackExit(child) };
}

async function runTests(run: Run, argv: string[]): Promise<number> {
  const { noBroker, suites } = parseCommandLine(argv);
  const files = await collectTestFiles(suites);
  if (suites.includes('e2e')) prefetchDeployTools(run);
  const env = await testEnvironment(run, noBroker);
  if (run.signal !== undefined) return signalExitCode(run.signal);
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], { cwd: repoRoot(), stdio: 'inherit', env });
  run.tests = { child, exited: trackExit(child) };
  const exit = await run.tests.exited;
  if (exit.spawnError !== undefined) throw exit.spawnError;
  return run.signal === undefined ? exitCodeOf(exit) : signalExitCode(run.signal);
}

/** Forwards the signal to the tests (SIGKILL on a second one) and aborts a broker start. */
function interrupt(run: Run, signal: TerminationSignal, count: number): void {
  run.signal ??= signal;
  run.abort.abort(new Error(`interrupted by ${signal}`));
  const tests = run.tests;
  if (tests === undefined || !isRunning(tests.child)) return;
  if (count > 1) tests.child.kill('SIGKILL');
  else void terminate(tests.child, tests.exited, { graceMs: TEST_SHUTDOWN_GRACE_MS, signal });
}

/** Stops the tests (if still running) and the broker; never throws. */
async function cleanUp(run: Run): Promise<void> {
  const { tests, broker, prefetch } = run;
  if (tests !== undefined && isRunning(tests.child)) await terminate(tests.child, tests.exited, { graceMs: TEST_SHUTDOWN_GRACE_MS });
  if (prefetch !== undefined && isRunning(prefetch.child) && prefetch.child.pid !== undefined) {
    // Its whole group: the Go build it started too. The next install removes what it left.
    process.kill(-prefetch.child.pid, 'SIGKILL');
    await prefetch.exited;
  }
  delete run.broker;
  await broker?.stop().catch((error: unknown) => say(`test broker: stop failed: ${String(error)}`));
}

function describeFailure(run: Run, error: unknown): number {
  if (run.signal !== undefined) return signalExitCode(run.signal);
  if (error instanceof RunnerError) {
    say(`run-tests: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof HarnessError) say(`run-tests: ${error.message}`);
  else say(`run-tests: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}

const run: Run = { abort: new AbortController() };
onTerminationSignals((signal, count) => interrupt(run, signal, count));
process.on('uncaughtException', (error) => {
  say(`run-tests: uncaught ${error.stack ?? error.message}`);
  void cleanUp(run).finally(() => process.exit(1));
});
const code = await runTests(run, process.argv.slice(2)).catch((error: unknown) => describeFailure(run, error));
await cleanUp(run);
process.exit(code);
