#!/usr/bin/env node
// The `streamd` executable: hands argv and the process's streams to runCli, delivers SIGTERM/SIGINT to
// `start`, and sets the exit code. Everything else lives in src/cli/.

import { pino } from 'pino';
import { loadCreateWorker, runCli, type SignalSource } from '../src/cli/index.js';

// The last line of defence: a rejection or exception nothing handled ends the process with one fatal
// JSON line (not Node's raw stack) and exit code 1. Every failure streamd expects is handled where
// it happens; reaching this is a bug, and the line says so. The log is written synchronously, so it
// is out before the exit.
const fatalLog = pino({ level: 'fatal' }, pino.destination({ fd: 2, sync: true }));
function fatal(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): never {
  const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'STREAMD_UNHANDLED';
  fatalLog.fatal({ code, kind, err: error }, `streamd failed with an error nothing handled (${kind}): exiting with code 1. This is a bug in streamd or a handler; please report it with this line`);
  process.exit(1);
}
process.on('unhandledRejection', (reason) => fatal('unhandledRejection', reason));
process.on('uncaughtException', (error) => fatal('uncaughtException', error));

// kafkajs 2.2.4 schedules its request queue's next check with a negative delay when no broker
// throttles it (RequestQueue.scheduleCheckPendingRequests). Node clamps that to 1 ms; Node 20 did so
// silently, Node 24 also prints a TimeoutNegativeWarning on stderr, ahead of the CLI's own one-line
// errors. That warning, from kafkajs, is dropped; every other warning is printed as Node prints it.
const printWarning = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning' && warning.stack?.includes('kafkajs') === true) return;
  for (const print of printWarning) print(warning);
});

/** Once the command is done, give stray handles this long before exiting anyway. */
const EXIT_GRACE_MS = 2_000;

const signals: SignalSource = {
  subscribe(listener) {
    const onSignal = (signal: NodeJS.Signals): void => listener(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  },
};

// `streamd agents | head`: a reader that closed the pipe ends the command quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
}, {
  start: { loadCreateWorker, signals, forceExit: (exitCode) => process.exit(exitCode) },
});
process.exitCode = code;
// A client library may leave a timer or socket behind after a clean stop; it must not keep the
// process alive. Unref'd, so a process that can exit exits at once.
setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
