// Polls a condition until it holds or a deadline passes: the only way tests wait for each other.
// Used by every test that waits on a consumer, a broker or a background loop.

import { setTimeout as delay } from 'node:timers/promises';

/** How long `waitFor` polls and what it says when the condition never holds. */
export interface WaitForOptions {
  /** Give up after this long. Too low: flaky on a loaded machine; too high: a hung test takes that long to fail. */
  readonly timeoutMs: number;
  /** Default 25: the pause between probes. */
  readonly intervalMs?: number;
  /** What was awaited, e.g. `"consumer to receive 30 records"`; the timeout error starts with it. */
  readonly message: string | (() => string);
}

/** The error `waitFor` throws when its deadline passes. */
export class WaitForTimeoutError extends Error {
  readonly code = 'TEST_WAIT_FOR_TIMEOUT';

  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WaitForTimeoutError';
  }
}

const PROBE_PENDING = Symbol('probe pending');

/**
 * Calls `probe` until it returns something other than `undefined` or `false`, and returns that.
 * A probe that throws counts as "not yet"; its last error is kept as the timeout error's cause.
 * A probe still pending at the deadline is abandoned, so a hung probe cannot outlast `timeoutMs`.
 * Throws `WaitForTimeoutError` naming what was awaited, for how long, and the last probe outcome.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 25;
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  let attempts = 0;
  let lastFailure: { readonly outcome: string; readonly error?: unknown } | undefined;
  for (;;) {
    attempts++;
    const timer = new AbortController();
    try {
      const result = await Promise.race([
        Promise.resolve().then(probe),
        delay(Math.max(0, deadline - Date.now()), PROBE_PENDING, { signal: timer.signal }),
      ]);
      if (result === PROBE_PENDING) {
        lastFailure = { outcome: 'the last probe was still pending at the deadline' };
        break;
      }
      if (result !== undefined && result !== false) return result;
      lastFailure = undefined;
    } catch (error) {
      lastFailure = { outcome: `the last probe threw ${describeError(error)}`, error };
    } finally {
      timer.abort();
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const what = typeof options.message === 'function' ? options.message() : options.message;
  const last = lastFailure === undefined ? '' : `; ${lastFailure.outcome}`;
  throw new WaitForTimeoutError(
    `timed out after ${Date.now() - startedAt} ms (${attempts} probes) waiting for ${what}${last}`,
    lastFailure?.error === undefined ? {} : { cause: lastFailure.error },
  );
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
