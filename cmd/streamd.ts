#!/usr/bin/env node
// The `streamd` executable: hands argv and the process's streams to runCli, delivers SIGTERM/SIGINT to
// `start`, and sets the exit code. Everything else lives in src/cli/.

import { loadCreateWorker, runCli, type SignalSource } from '../src/cli/index.js';

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
