// The lifecycle base every streamd component extends: a state machine, start/stop hooks, children
// started in order and stopped in reverse, background loops, and crashes reported to the parent.
// The worker's tree file builds the tree; Supervisor extends this class to restart children.

import type { Logger } from 'pino';
import { IllegalStateError, ServiceCrashedError } from '../errors/index.js';
import { describeError, isAbortError } from './abort.js';
import { ChildList, startUnlessAborted, type ChildEntry } from './child-list.js';
import { canTransition, type ServiceState } from './service-state.js';
import type { CrashListener, ServiceExit, ServiceOptions } from './types.js';

/** A child, and why it sits where it does in the start order (the boot list prints it). */
export type ServiceChild = ChildEntry<Service>;

/**
 * A component with a lifecycle (see `ServiceState` for the transition table).
 *
 * - `start()` runs `onStart()`, then starts the children in the order they were added. If any step
 *   fails, or `stop()`/`crash()` comes first, it undoes what started (as a stop would) and rejects.
 * - `stop()` is idempotent and memoized: every call returns the same promise, which always resolves
 *   (never rejects) once every cleanup step ran: abort `signal`, await the background loops, run
 *   `onStop()` (only if `onStart()` had succeeded; the children still run, so it can drain through
 *   them), then stop the children in reverse order. A failing step is logged and collected in
 *   `ServiceExit.cleanupErrors`; the steps after it still run.
 * - `crash(error)` stops the service the same way, ends it `crashed`, and then tells its crash
 *   listeners — the parent, which by default crashes too, or a Supervisor, which restarts it.
 *   A failure before `running` is not reported to listeners: `start()` rejects with it instead.
 */
export abstract class Service {
  readonly name: string;
  protected readonly log: Logger;
  #state: ServiceState = 'idle';
  readonly #controller = new AbortController();
  readonly #children: ChildList<Service>;
  readonly #loops = new Set<Promise<void>>();
  readonly #crashListeners = new Set<CrashListener>();
  readonly #cleanupErrors: unknown[] = [];
  #crash: { readonly error: unknown } | undefined;
  #isStopRequested = false;
  #hasStartHookSucceeded = false;
  #hasRun = false;
  readonly #exit: Promise<ServiceExit>;
  #resolveExit: (exit: ServiceExit | Promise<ServiceExit>) => void = () => undefined;

  constructor(options: ServiceOptions) {
    this.name = options.name;
    this.log = options.logger.child({ service: options.name });
    this.#children = new ChildList(options.name, (child, error) => this.onChildCrashed(child, error));
    this.#exit = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
  }

  get state(): ServiceState {
    return this.#state;
  }

  /** Aborted when stopping begins. Hand it to every wait (`timers/promises`, `events.once`, I/O). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The children in start order. */
  get children(): readonly ServiceChild[] {
    return this.#children.entries;
  }

  /** Adds a child, started after the ones added before it and stopped before them. Only while idle. */
  addChild<S extends Service>(child: S, why?: string): S {
    if (this.#state !== 'idle') {
      throw new IllegalStateError(`cannot add child '${child.name}' to service '${this.name}': it is ${this.#state}; build the tree before start()`);
    }
    if (child === (this as Service) || child.state !== 'idle' || this.#children.has(child)) {
      throw new IllegalStateError(`cannot add '${child.name}' to service '${this.name}': a child must be a new, idle service added once`);
    }
    this.#children.add(child, why);
    return child;
  }

  /** Starts the service and then its children; see the class comment. Callable once, while idle. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new IllegalStateError(`cannot start service '${this.name}': it is ${this.#state}; a service starts once, build a new one instead`);
    }
    this.#moveTo('starting');
    try {
      await this.onStart();
      this.#hasStartHookSucceeded = true;
      for (const { service } of this.#children.entries) {
        this.#throwIfInterrupted();
        await this.startChild(service);
      }
      this.#throwIfInterrupted();
    } catch (error) {
      await this.#failStart(error);
      throw this.#crash === undefined ? error : this.#crash.error;
    }
    this.#hasRun = true;
    this.#moveTo('running');
  }

  /** Stops the service; the same promise for every call. See the class comment for the steps. */
  stop(): Promise<ServiceExit> {
    switch (this.#state) {
      case 'idle':
        this.#moveTo('stopped');
        this.#resolveExit({ state: 'stopped', cleanupErrors: [] });
        break;
      case 'starting':
        if (!this.#isStopRequested && this.#crash === undefined) {
          this.#isStopRequested = true;
          this.log.info('stop requested during start');
          this.#abort();
        }
        break;
      case 'running':
        this.#isStopRequested = true;
        this.#beginShutdown();
        break;
      default:
        break;
    }
    return this.#exit;
  }

  /** Resolves when the service has stopped or crashed; never rejects. */
  whenStopped(): Promise<ServiceExit> {
    return this.#exit;
  }

  /**
   * Crashes the service: it stops (see `stop()`), ends `crashed`, then tells its crash listeners.
   * During start it makes `start()` reject with `error`; once stopping has begun, `error` is only a
   * cleanup error; after the end it is logged and ignored. Never throws, except before `start()`.
   */
  crash(error: unknown): void {
    switch (this.#state) {
      case 'idle':
        throw new IllegalStateError(`cannot crash service '${this.name}' before it started: ${describeError(error)}`);
      case 'starting':
        if (this.#isStopRequested || this.#crash !== undefined) {
          this.#recordCleanupError('crash during stop', error);
          return;
        }
        this.log.error({ err: error }, 'service crashed during start');
        this.#crash = { error };
        this.#abort();
        return;
      case 'running':
        this.log.error({ err: error }, 'service crashed');
        this.#crash = { error };
        this.#beginShutdown();
        return;
      case 'stopping':
        this.#recordCleanupError('crash during stop', error);
        return;
      default:
        this.log.warn({ err: error, state: this.#state }, 'crash after the service ended was ignored');
    }
  }

  /** Calls `listener` once this service crashes after having run. Returns an unsubscribe function. */
  onCrash(listener: CrashListener): () => void {
    this.#crashListeners.add(listener);
    return () => this.#crashListeners.delete(listener);
  }

  /** Hook: acquire resources and spawn loops. Runs before the children start. Default: nothing. */
  protected onStart(): Promise<void> {
    return Promise.resolve();
  }

  /** Hook: release what `onStart` acquired. Runs after the loops ended, before the children stop. */
  protected onStop(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Runs `loop(signal)` in the background until it settles. A rejection crashes the service, unless
   * it is an abort after `signal` fired (then it is the normal end). Allowed while starting or running;
   * stop awaits every loop, so a loop must end soon after its signal aborts.
   */
  protected spawn(name: string, loop: (signal: AbortSignal) => Promise<void>): void {
    if (this.#state !== 'starting' && this.#state !== 'running') {
      throw new IllegalStateError(`cannot spawn loop '${name}' in service '${this.name}': it is ${this.#state}`);
    }
    const signal = this.signal;
    const task: Promise<void> = Promise.resolve()
      .then(() => loop(signal))
      .then(
        () => this.log.debug({ loop: name }, 'background loop ended'),
        (error: unknown) => this.#onLoopFailed(name, error),
      )
      .finally(() => this.#loops.delete(task));
    this.#loops.add(task);
  }

  /** What happens when a child crashes. Default: this service crashes with the child's error. */
  protected onChildCrashed(_child: Service, error: unknown): void {
    this.crash(error);
  }

  /**
   * Starts `child`; if this service's signal aborts meanwhile, stops the child and waits for it.
   * Rejects with the child's start error, or with an abort error if the signal had already fired.
   */
  protected startChild(child: Service): Promise<void> {
    return startUnlessAborted(child, this.signal);
  }

  /** Puts `fresh` in the slot of `current` (same position and reason) and listens to its crashes. */
  protected replaceChild(current: Service, fresh: Service): void {
    this.#children.replace(current, fresh);
  }

  /** Stops listening to `child`'s crashes; it keeps its slot until replaced. */
  protected detachChild(child: Service): void {
    this.#children.detach(child);
  }

  #moveTo(to: ServiceState): void {
    const from = this.#state;
    if (!canTransition(from, to)) {
      throw new IllegalStateError(`service '${this.name}' cannot go from ${from} to ${to}`);
    }
    this.#state = to;
    this.log.info({ from, to }, 'service state changed');
  }

  #abort(): void {
    this.#controller.abort(new DOMException(`service '${this.name}' is stopping`, 'AbortError'));
  }

  #throwIfInterrupted(): void {
    if (this.#crash !== undefined) throw this.#crash.error;
    this.signal.throwIfAborted();
  }

  async #failStart(error: unknown): Promise<void> {
    if (this.#crash === undefined && !this.#isStopRequested) {
      this.log.error({ err: error }, 'service failed to start');
      this.#crash = { error };
    } else if (this.#crash === undefined && !isAbortError(error, this.signal)) {
      this.#recordCleanupError('start', error);
    }
    this.#moveTo('stopping');
    this.#abort();
    await this.#cleanUp();
    this.#resolveExit(this.#finish());
  }

  #beginShutdown(): void {
    this.#moveTo('stopping');
    this.#abort();
    this.#resolveExit(this.#cleanUp().then(() => this.#finish()));
  }

  /** Every step catches its own failure, so this never rejects and no step is skipped. */
  async #cleanUp(): Promise<void> {
    await Promise.all(this.#loops);
    if (this.#hasStartHookSucceeded) {
      try {
        await this.onStop();
      } catch (error) {
        this.#recordCleanupError('onStop', error);
      }
    }
    for (const { service } of [...this.#children.entries].reverse()) {
      try {
        const exit = await service.stop();
        this.#cleanupErrors.push(...exit.cleanupErrors);
      } catch (error) {
        this.#recordCleanupError(`stop child '${service.name}'`, error);
      }
    }
  }

  /** Ends the service in its final state, tells the crash listeners if it had run, returns the exit. */
  #finish(): ServiceExit {
    const cleanupErrors = [...this.#cleanupErrors];
    const crash = this.#crash;
    if (crash === undefined) {
      this.#moveTo('stopped');
      return { state: 'stopped', cleanupErrors };
    }
    this.#moveTo('crashed');
    if (this.#hasRun) this.#tellCrashListeners(crash.error);
    return { state: 'crashed', error: crash.error, cleanupErrors };
  }

  #tellCrashListeners(error: unknown): void {
    for (const listener of [...this.#crashListeners]) {
      try {
        listener(error);
      } catch (listenerError) {
        this.log.error({ err: listenerError }, 'crash listener threw');
      }
    }
  }

  #onLoopFailed(name: string, error: unknown): void {
    if (this.signal.aborted && isAbortError(error, this.signal)) {
      this.log.debug({ loop: name }, 'background loop aborted');
      return;
    }
    const message = `background loop '${name}' of service '${this.name}' failed: ${describeError(error)}`;
    this.crash(new ServiceCrashedError(this.name, message, { cause: error }));
  }

  #recordCleanupError(step: string, error: unknown): void {
    this.log.error({ err: error, step }, 'cleanup step failed');
    this.#cleanupErrors.push(error);
  }
}
