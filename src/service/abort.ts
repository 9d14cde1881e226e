// What counts as "aborted, not failed", and the error a wait rejects with when its signal fires.
// Used by Service (loops that end on stop), Supervisor and the clocks.

/**
 * True when `error` comes from an abort rather than a failure: the signal's own reason, or an
 * error named `AbortError` / coded `ABORT_ERR` (what `timers/promises`, `events.once` and fetch throw).
 */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted === true && error === signal.reason) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR';
}

/** The error a wait rejects with when `signal` aborts, shaped like the one `timers/promises` throws. */
export function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted', { cause: signal.reason });
  error.name = 'AbortError';
  return Object.assign(error, { code: 'ABORT_ERR' });
}

/** One line for a log message or an error message: the error's message, or its string form. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
