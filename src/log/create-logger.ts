// Builds the process's pino logger: readable lines (pretty-lines.ts) when the output is a terminal,
// JSON lines otherwise, so containers and pipes always get JSON. Called once by the CLI.

import { pino, type Logger } from 'pino';
import type { LogLevel } from './log-level.js';
import { prettyDestination } from './pretty-lines.js';

/** How `createLogger` builds the logger. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** `true`: readable lines, `false`: JSON lines. Default: readable exactly when the destination is a terminal. */
  readonly pretty?: boolean;
  /** Where log lines go. Default stderr, which keeps stdout for command output (`--json`). */
  readonly destination?: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** Creates the logger; see `LoggerOptions` for when it is readable rather than JSON. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stderr;
  const isTerminal = destination.isTTY === true;
  if (options.pretty ?? isTerminal) return pino({ level: options.level }, prettyDestination(destination, { colours: isTerminal }));
  return pino({ level: options.level }, options.destination ?? pino.destination({ fd: 2, sync: true }));
}
