// A supervisor's restart budget: at most `maxRestarts` restarts within a sliding `windowMs`, and the
// exponential backoff to wait before each one. Supervisor consults it on every child crash.

import { ConfigError } from '../errors/index.js';

/** How often and how soon a supervisor may restart its children. */
export interface RestartPolicy {
  /**
   * Restarts allowed within `windowMs`; one more crash crashes the supervisor. 0 never restarts.
   * Too low: one transient blip (a broker failover) takes the process down. Too high: a child that
   * can never work keeps flapping instead of exiting so the orchestrator can act.
   */
  readonly maxRestarts: number;
  /** The sliding window the restarts are counted in. Too short: a crash loop never exhausts it. */
  readonly windowMs: number;
  /** Wait before the first restart in a window. Too low: a crash loop spins hot and floods the log. */
  readonly initialBackoffMs: number;
  /** The doubling stops here. Too high: recovery after a long outage waits this long for nothing. */
  readonly maxBackoffMs: number;
}

/** 5 restarts within 60 s; backoff 100 ms, 200 ms, 400 ms ... capped at 10 s. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialBackoffMs: 100,
  maxBackoffMs: 10_000,
};

/** Counts restarts in a sliding window and says how long to back off before the next one. */
export class RestartBudget {
  readonly policy: RestartPolicy;
  readonly #restartsAtMs: number[] = [];

  constructor(policy: RestartPolicy) {
    for (const [name, value] of Object.entries(policy)) {
      if (!Number.isInteger(value) || (value as number) < 0) {
        throw new ConfigError(`restart policy: ${name} must be a non-negative integer of milliseconds or a count, got ${String(value)}`);
      }
    }
    this.policy = policy;
  }

  /**
   * Records a restart at `nowMs` and returns the backoff to wait before it: `initialBackoffMs`
   * doubled once per restart already in the window, at most `maxBackoffMs`. Returns `undefined`
   * (and records nothing) when `maxRestarts` restarts already happened within the window.
   */
  tryRestart(nowMs: number): number | undefined {
    const inWindow = this.restartsWithin(nowMs);
    if (inWindow >= this.policy.maxRestarts) return undefined;
    this.#restartsAtMs.push(nowMs);
    return Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** inWindow);
  }

  /** Restarts recorded within the window that ends at `nowMs`. */
  restartsWithin(nowMs: number): number {
    const oldestMs = nowMs - this.policy.windowMs;
    while (this.#restartsAtMs.length > 0 && this.#restartsAtMs[0]! <= oldestMs) this.#restartsAtMs.shift();
    return this.#restartsAtMs.length;
  }
}
