// `npm run kafka`: runs a TestBroker in the foreground for manual testing and for pointing test
// suites at it via STREAMD_TEST_KAFKA, until Ctrl-C or SIGTERM. Entry point (CLI).
import { parseArgs } from 'node:util';
import { TestBroker } from './broker.js';
import { HarnessError } from './harness-error.js';
import { ensureKafkaJars } from './jars.js';
import { onTerminationSignals, type TerminationSignal } from './signals.js';

const USAGE = 'usage: npm run kafka [-- --port N]   (or: node dist/test/kafka/cli.js [--port N])';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function parsePort(argv: string[]): number | undefined {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help === true) {
    say(USAGE);
    process.exit(0);
  }
  if (values.port === undefined) return undefined;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1..65535, got ${values.port}`);
  return port;
}

function printHowToUse(broker: TestBroker): void {
  const lines = [
    '',
    `Kafka ${broker.version} is up on ${broker.bootstrap} (started in ${(broker.startedMs / 1000).toFixed(1)} s, pid ${broker.pid})`,
    `  data:       ${broker.dataDir} (deleted on stop)`,
    `  kafkajs:    new Kafka({ brokers: ['${broker.bootstrap}'] })`,
    `  URL:        kafka://${broker.bootstrap}`,
    '  run the suites against it:',
    `    STREAMD_TEST_KAFKA=${broker.bootstrap} npm run test:contract`,
    `    STREAMD_TEST_KAFKA=${broker.bootstrap} STREAMD_TEST_KAFKA_CLASSPATH='${broker.classpath}' node dist/test/kafka/run-tests.js integration`,
    'Ctrl-C stops it.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main(): Promise<number> {
  let port: number | undefined;
  try {
    port = parsePort(process.argv.slice(2));
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const abort = new AbortController();
  let stopRequested: (signal: TerminationSignal) => void = () => undefined;
  const stopSignal = new Promise<TerminationSignal>((resolve) => (stopRequested = resolve));
  onTerminationSignals((signal) => {
    abort.abort(new Error(`interrupted by ${signal}`));
    stopRequested(signal);
  });
  let broker: TestBroker | undefined;
  try {
    const { classpath } = await ensureKafkaJars({ log: say, signal: abort.signal });
    const log = (line: string): void => say(`kafka | ${line}`);
    broker = await TestBroker.start({ classpath, log, signal: abort.signal, ...(port === undefined ? {} : { port }) });
    printHowToUse(broker);
    const started = broker;
    const outcome = await Promise.race([stopSignal, started.exited.then(() => 'exited' as const)]);
    if (outcome === 'exited') {
      say(`Kafka broker exited unexpectedly; last output:\n${started.outputTail(40).join('\n')}`);
      return 1;
    }
    say(`${outcome}: stopping the broker…`);
    return 0;
  } catch (error) {
    if (abort.signal.aborted) return 0;
    say(error instanceof HarnessError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
    return 1;
  } finally {
    await broker?.stop();
    if (broker !== undefined) say('Kafka broker stopped.');
  }
}

process.exit(await main());
