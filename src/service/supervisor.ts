// Restarts crashed children, Erlang style (`one_for_one`, `one_for_all`), within a restart budget
// and with exponential backoff. The worker's tree file builds supervisors; one that exhausts its
// budget crashes into its own parent, and at the root the CLI exits non-zero.

import { IllegalStateError, ServiceCrashedError } from '../errors/index.js';
import { describeError } from './abort.js';
import { SystemClock, type Clock } from './clock.js';
import { DEFAULT_RESTART_POLICY, RestartBudget, type RestartPolicy } from './restart-budget.js';
import { Service } from './service.js';
import type { ServiceOptions } from './types.js';

/**
 * `one_for_one`: restart only the crashed child (independent children, e.g. agent actors).
 * `one_for_all`: stop every other child in reverse order, then restart them all in order (children
 * that depend on each other, e.g. the consumer and the streams it feeds).
 */
export type RestartStrategy = 'one_for_one' | 'one_for_all';

/** A supervisor's options; the policy fields default to `DEFAULT_RESTART_POLICY`. */
export interface SupervisorOptions extends ServiceOptions, Partial<RestartPolicy> {
  readonly strategy: RestartStrategy;
  /** Time source for the budget window and the backoff. Default: `SystemClock`. */
  readonly clock?: Clock;
}

interface PendingRestart {
  /** The instance that crashed; its slot gets a fresh one. */
  readonly child: Service;
  readonly backoffMs: number;
}

/**
 * A service whose children are restarted when they crash. Children are added as factories with
 * `supervise(() => new Consumer(...), why)`, Erlang's child spec: a stopped service never starts
 * again, so each restart builds a fresh instance in the same slot. `addChild` throws here.
 *
 * Restarts happen only while the supervisor runs, one at a time, each after its backoff (waited on
 * the clock with the supervisor's signal, so `stop()` interrupts it). A fresh child that fails to
 * start counts as another crash. When the budget is spent the supervisor crashes with a
 * `ServiceCrashedError` whose cause is the last child error. A child crash while the supervisor is
 * still starting fails that start, as in Erlang's `init`.
 */
export class Supervisor extends Service {
  readonly strategy: RestartStrategy;
  readonly #clock: Clock;
  readonly #budget: RestartBudget;
  readonly #factories = new Map<Service, () => Service>();
  readonly #pending: PendingRestart[] = [];
  #isRestarting = false;

  constructor(options: SupervisorOptions) {
    super(options);
    this.strategy = options.strategy;
    this.#clock = options.clock ?? new SystemClock();
    this.#budget = new RestartBudget({
      maxRestarts: options.maxRestarts ?? DEFAULT_RESTART_POLICY.maxRestarts,
      windowMs: options.windowMs ?? DEFAULT_RESTART_POLICY.windowMs,
      initialBackoffMs: options.initialBackoffMs ?? DEFAULT_RESTART_POLICY.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULT_RESTART_POLICY.maxBackoffMs,
    });
  }

  /** Adds a child built by `create` now and again on every restart. Returns the first instance. */
  supervise<S extends Service>(create: () => S, why?: string): S {
    if (this.state !== 'idle') {
      throw new IllegalStateError(`cannot supervise a new child in supervisor '${this.name}': it is ${this.state}`);
    }
    const child = super.addChild(create(), why);
    this.#factories.set(child, create);
    return child;
  }

  /** Throws: a supervisor needs a factory to restart a child. Use `supervise(() => child, why)`. */
  override addChild<S extends Service>(child: S, _why?: string): S {
    throw new IllegalStateError(
      `supervisor '${this.name}' cannot restart child '${child.name}' without a factory: use supervise(() => new ..., why)`,
    );
  }

  protected override onChildCrashed(child: Service, error: unknown): void {
    if (this.state !== 'running') {
      super.onChildCrashed(child, error);
      return;
    }
    this.#scheduleRestart(child, error);
  }

  #scheduleRestart(child: Service, error: unknown): void {
    const backoffMs = this.#budget.tryRestart(this.#clock.now());
    if (backoffMs === undefined) {
      const { maxRestarts, windowMs } = this.#budget.policy;
      const message =
        `supervisor '${this.name}' gave up after ${maxRestarts} restarts within ${windowMs} ms: ` +
        `child '${child.name}' crashed again: ${describeError(error)} (the earlier crashes are logged above)`;
      this.crash(new ServiceCrashedError(this.name, message, { cause: error }));
      return;
    }
    this.log.warn({ child: child.name, err: error, backoffMs, strategy: this.strategy }, 'child crashed; restarting after backoff');
    if (this.strategy === 'one_for_all') {
      for (const { service } of this.children) this.detachChild(service);
    }
    this.#pending.push({ child, backoffMs });
    if (this.#isRestarting) return;
    this.#isRestarting = true;
    this.spawn('restarts', async (signal) => {
      try {
        for (let next = this.#pending.shift(); next !== undefined && !signal.aborted; next = this.#pending.shift()) {
          if (this.strategy === 'one_for_one') await this.#restartOne(next, signal);
          else await this.#restartAll(next, signal);
        }
      } finally {
        this.#isRestarting = false;
      }
    });
  }

  async #restartOne({ child, backoffMs }: PendingRestart, signal: AbortSignal): Promise<void> {
    await this.#clock.sleep(backoffMs, signal);
    const fresh = this.#rebuild(child);
    if (fresh !== undefined) await this.#startFresh(fresh, signal);
  }

  /** Stops every child in reverse order, backs off, then builds and starts all of them in order. */
  async #restartAll({ backoffMs }: PendingRestart, signal: AbortSignal): Promise<void> {
    const current = this.children.map(({ service }) => service);
    for (const service of [...current].reverse()) await service.stop();
    await this.#clock.sleep(backoffMs, signal);
    for (const service of current) {
      if (signal.aborted) return;
      const fresh = this.#rebuild(service);
      if (fresh === undefined || !(await this.#startFresh(fresh, signal))) return;
    }
  }

  /** Builds a fresh instance into `child`'s slot; a throwing factory counts as another crash. */
  #rebuild(child: Service): Service | undefined {
    const create = this.#factories.get(child);
    if (create === undefined) throw new IllegalStateError(`supervisor '${this.name}' has no factory for '${child.name}'`);
    let fresh: Service;
    try {
      fresh = create();
    } catch (error) {
      this.#scheduleRestart(child, error);
      return undefined;
    }
    this.#factories.delete(child);
    this.#factories.set(fresh, create);
    this.replaceChild(child, fresh);
    return fresh;
  }

  /** Starts a rebuilt child; true when it runs. A failed start (not an abort) counts as a crash. */
  async #startFresh(fresh: Service, signal: AbortSignal): Promise<boolean> {
    try {
      await this.startChild(fresh);
    } catch (error) {
      if (signal.aborted) throw error;
      this.#scheduleRestart(fresh, error);
      return false;
    }
    this.log.info({ child: fresh.name }, 'child restarted');
    return true;
  }
}
