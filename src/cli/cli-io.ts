// What every command is handed: the process's streams, environment and working directory (injected,
// so tests run commands in-process), the exit codes, and CliError for failures with a chosen exit code.

import { StreamdError } from '../errors/index.js';

/** Exit code: the command did what was asked. */
export const EXIT_OK = 0;
/** Exit code: something failed at run time (a crash, an unreachable daemon or broker, a bug). */
export const EXIT_FAILURE = 1;
/** Exit code: the user gave streamd something wrong (flags, arguments, manifest, a value). */
export const EXIT_USAGE = 2;

/** A text sink: stdout or stderr. */
export interface TextOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The process as a command sees it. */
export interface CliIo {
  readonly stdout: TextOutput;
  readonly stderr: TextOutput;
  readonly stdin: AsyncIterable<Buffer | string> & { readonly isTTY?: boolean };
  /** Passed to `loadManifest` explicitly; commands never read process.env themselves. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A failure a command reports with a message (no stack trace) and a chosen exit code. */
export class CliError extends StreamdError {
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number, options: { readonly cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.exitCode = exitCode;
  }
}

/** A wrong argument or flag value that commander could not catch: exit 2. */
export class CliUsageError extends CliError {
  constructor(message: string) {
    super('STREAMD_USAGE', message, EXIT_USAGE);
  }
}
