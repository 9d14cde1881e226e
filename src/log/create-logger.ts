// Builds the process's pino logger: readable lines through pino-pretty when the output is a terminal
// and pino-pretty is installed (it is a dev dependency), JSON lines otherwise. Called once by the CLI.

import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-level.js';

/** How `createLogger` builds the logger. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /**
   * `true`: pino-pretty when it can be loaded, `false`: JSON lines. Default: pretty exactly when
   * the destination is a terminal, so containers and pipes always get JSON.
   */
  readonly pretty?: boolean;
  /** Where log lines go (a Node stream, as pino-pretty pipes into it). Default stderr, which keeps stdout for command output (`--json`). */
  readonly destination?: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/** pino-pretty, loaded synchronously, or undefined when it is not installed (production installs). */
function loadPrettyFactory(): PrettyFactory | undefined {
  try {
    const required = createRequire(import.meta.url)('pino-pretty') as PrettyFactory | { default?: PrettyFactory };
    return typeof required === 'function' ? required : required.default;
  } catch {
    return undefined;
  }
}

/** Creates the logger; see `LoggerOptions` for when it is pretty. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stderr;
  const wantsPretty = options.pretty ?? destination.isTTY === true;
  const factory = wantsPretty ? loadPrettyFactory() : undefined;
  if (factory !== undefined) {
    const stream = factory({
      destination: options.destination ?? 2,
      sync: true,
      colorize: destination.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino({ level: options.level }, stream);
  }
  const stream = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino({ level: options.level }, stream);
}
