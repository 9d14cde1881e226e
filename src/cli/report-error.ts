// Turns an error that ended a command into what the user reads on stderr and the exit code: a manifest
// error's formatted problems, one screen of message for other streamd errors, a stack only for bugs.

import { relative, isAbsolute } from 'node:path';
import { EXIT_FAILURE, EXIT_USAGE, type CliIo } from './cli-io.js';

/** Codes of errors that mean "fix the configuration": exit 2 rather than 1. */
const CONFIG_CODES = new Set(['STREAMD_MANIFEST', 'STREAMD_CONFIG', 'STREAMD_HANDLER', 'STREAMD_USAGE']);
/** "One screen": longer messages are cut here. */
const MAX_LINES = 40;

interface Coded {
  readonly code: string;
  readonly message: string;
  readonly cause?: unknown;
  readonly exitCode?: unknown;
  readonly format?: unknown;
}

function isStreamdError(error: unknown): error is Coded {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('STREAMD_') && typeof message === 'string';
}

/** The message, then `caused by:` for each cause in the chain (messages only), cut to one screen. */
export function oneScreen(error: Coded): string {
  const lines = error.message.split('\n');
  let cause = error.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const message = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : JSON.stringify(cause);
    if (!lines.some((line) => line.includes(message))) lines.push(`  caused by: ${message}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (lines.length <= MAX_LINES) return lines.join('\n');
  return [...lines.slice(0, MAX_LINES - 1), `… ${lines.length - MAX_LINES + 1} more lines`].join('\n');
}

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (!isStreamdError(error)) return EXIT_FAILURE;
  if (typeof error.exitCode === 'number') return error.exitCode;
  return CONFIG_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** A path shown relative to `cwd` when it is inside it. */
export function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** Writes the error to stderr and returns the exit code. */
export function reportError(error: unknown, io: Pick<CliIo, 'stderr' | 'cwd'>): number {
  if (isStreamdError(error) && typeof error.format === 'function') {
    const format = error.format as (options: { cwd: string }) => string;
    io.stderr.write(`${format.call(error, { cwd: io.cwd })}\n`);
  } else if (isStreamdError(error)) {
    io.stderr.write(`streamd: ${oneScreen(error)}\n`);
  } else {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`streamd: internal error (please report it): ${text}\n`);
  }
  return exitCodeFor(error);
}
