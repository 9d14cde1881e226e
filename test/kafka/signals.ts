// Ctrl-C and SIGTERM handling and exit codes shared by the harness's two entry points,
// run-tests.ts and cli.ts.
import { constants } from 'node:os';
import type { ChildExit } from './child-exit.js';

export type TerminationSignal = 'SIGINT' | 'SIGTERM';

/** The conventional shell exit code for a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The exit code a parent should pass on for a child that ended like `exit`. */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  return exit.signal === null ? 1 : signalExitCode(exit.signal);
}

/**
 * Calls `onSignal` for every SIGINT/SIGTERM with how many have arrived so far (a second Ctrl-C
 * usually means "hurry"). While installed, the signals no longer end the process by default.
 * Returns a function that removes the handlers.
 */
export function onTerminationSignals(onSignal: (signal: TerminationSignal, count: number) => void): () => void {
  let count = 0;
  const handler = (signal: TerminationSignal): void => {
    count += 1;
    onSignal(signal, count);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
