// The Clock port: the time source and the wait that lifecycle code uses, so tests can drive time.
// Supervisor takes one; SystemClock is the real clock, ManualClock (manual-clock.ts) the test one.

import { setTimeout as delay } from 'node:timers/promises';

/** Time as lifecycle code sees it. Inject it; never read `Date.now()` or start timers directly. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with an `AbortError` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `timers/promises` `setTimeout` with the caller's signal. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return delay(ms, undefined, signal === undefined ? {} : { signal });
  }
}
