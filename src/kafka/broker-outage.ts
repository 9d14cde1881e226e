// BrokerOutage: what the worker knows about the broker being out of reach. The consumer, the
// changelog reader and the producer report retriable failures and recoveries here and wait out
// the outage with `backoff`; the worker's readiness shows it, and past `timeoutMs` it is fatal.

import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import { describeError, type Clock } from '../service/index.js';

/** The outage as /ready shows it: since when, and the latest failure. */
export interface BrokerOutageState {
  /** Epoch ms of the first failure of the outage. */
  readonly sinceMs: number;
  /** Who failed last (`consumer`, `changelog reader`, `producer`) and with what. */
  readonly lastFailure: string;
  readonly lastError: string;
}

export interface BrokerOutageOptions {
  /** brokerUnavailableTimeoutMs: how long one outage may last before the worker gives up. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default 250: the first pause between attempts, doubling up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  /** Default 5000. Too low: a down broker is hammered with connects; too high: a broker back up waits that long. */
  readonly maxBackoffMs?: number;
}

/** The broker has been unreachable longer than brokerUnavailableTimeoutMs: exit, so an orchestrator acts. */
export class BrokerUnavailableError extends StreamdError {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('STREAMD_BROKER_UNAVAILABLE', message, { ...options, retriable: false });
  }
}

/** Codes of the retriable errors that a broker outage or a rebalance raises. */
const BROKER_CODES = new Set(['STREAMD_KAFKA', 'STREAMD_REBALANCE_IN_PROGRESS']);

/**
 * True for a Kafka failure worth waiting out: a streamd Kafka error marked retriable (the drivers
 * mark connection loss, coordinator and leader moves, and request timeouts so), or a rebalance.
 */
export function isRetriableFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retriable, code } = error as { retriable?: unknown; code?: unknown };
  return retriable === true && typeof code === 'string' && BROKER_CODES.has(code);
}

/**
 * One outage at a time, made of the failures of every reporter: it begins with the first failure
 * and ends when every reporter that failed has recovered. Each reporter has the whole `timeoutMs`
 * from its own first failure.
 */
export class BrokerOutage {
  readonly timeoutMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  /** Reporter → epoch ms of its first failure since it last recovered. */
  readonly #failing = new Map<string, number>();
  #last: { readonly who: string; readonly error: string } | undefined;

  constructor(options: BrokerOutageOptions) {
    this.timeoutMs = options.timeoutMs;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'broker outage' });
    this.#initialBackoffMs = options.initialBackoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  /** The outage in progress, or undefined while every reporter works. */
  get current(): BrokerOutageState | undefined {
    if (this.#failing.size === 0 || this.#last === undefined) return undefined;
    return { sinceMs: Math.min(...this.#failing.values()), lastFailure: this.#last.who, lastError: this.#last.error };
  }

  /**
   * Records a retriable failure of `who`. Throws BrokerUnavailableError once `who` has been failing
   * for `timeoutMs` or longer.
   */
  failed(who: string, error: unknown): void {
    const now = this.#clock.now();
    const since = this.#failing.get(who);
    this.#last = { who, error: describeError(error) };
    if (since === undefined) {
      if (this.#failing.size === 0) this.#log.warn({ who, err: error, timeoutMs: this.timeoutMs }, 'the broker is unavailable: waiting for it (not ready meanwhile)');
      this.#failing.set(who, now);
      return;
    }
    if (now - since >= this.timeoutMs) {
      throw new BrokerUnavailableError(
        `the broker has been unavailable to the ${who} for ${Math.round((now - since) / 1000)} s, longer than brokerUnavailableTimeoutMs (${this.timeoutMs} ms); last error: ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  /** `who` works again; the outage ends when nobody is failing. */
  recovered(who: string): void {
    const since = this.#failing.get(who);
    if (since === undefined) return;
    this.#failing.delete(who);
    const outageMs = this.#clock.now() - since;
    this.#log.info({ who, outageMs }, this.#failing.size === 0 ? 'the broker is available again' : `the ${who} reaches the broker again`);
  }

  /**
   * Runs `step` until it succeeds, waiting out each retriable failure (`waitOut`); any other failure,
   * or the deadline, is thrown. For the broker work of a start: topics, connects.
   */
  async retrying<T>(who: string, signal: AbortSignal, step: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await step();
        this.recovered(who);
        return result;
      } catch (error) {
        if (!isRetriableFailure(error) || signal.aborted) throw error;
        await this.waitOut(who, error, attempt, signal);
      }
    }
  }

  /**
   * Records `error` (see `failed`, which may throw) and waits the backoff for attempt `attempt`
   * (0, 1, 2 ...), or until `signal` aborts.
   */
  async waitOut(who: string, error: unknown, attempt: number, signal: AbortSignal): Promise<void> {
    this.failed(who, error);
    const backoffMs = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(attempt, 20));
    this.#log.info({ who, attempt, backoffMs, err: describeError(error) }, `the ${who} retries after a broker failure`);
    await this.#clock.sleep(backoffMs, signal);
  }
}
