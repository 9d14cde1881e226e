// Runs the manifest's timers and start-up tasks once the worker is ready (assigned, tables
// recovered). The worker's tree file builds it; the worker stops it first when it stops.

import { Cron } from 'croner';
import type { Logger } from 'pino';
import { Service, abortError, isAbortError, type Clock } from '../service/index.js';
import { jobContext } from './job-context.js';
import type { CrontabJob, TaskJob, TimerContextParts, TimerHandler, TimerJob } from './types.js';

/** The kinds of job a Scheduler runs. */
export type JobKind = 'timer' | 'task' | 'crontab';

export interface SchedulerOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timers: readonly TimerJob[];
  readonly tasks: readonly TaskJob[];
  /** Default none. */
  readonly crontabs?: readonly CrontabJob[];
  readonly context: TimerContextParts;
  /** Resolves once the worker is ready (assigned, tables recovered); rejects when `signal` aborts. */
  readonly whenReady: (signal: AbortSignal) => Promise<void>;
  /** Told of each failed run, for the metrics. */
  readonly onError?: (job: string) => void;
}

/**
 * One loop per timer and per task. A timer sleeps one interval after readiness, then runs its
 * handler at each due time; a run that overruns skips the due times it missed, so a handler never
 * overlaps itself. Leader-only jobs are skipped at a firing where this worker is not the leader.
 * A failed run is logged with the job's name and counted; the timer goes on. Stopping aborts the
 * handlers' `signal` and does not wait for a handler that ignores it. Handlers are looked up at each
 * firing, so `replaceHandler` (hot reload) takes effect at the next one.
 */
export class Scheduler extends Service {
  readonly #options: SchedulerOptions;
  readonly #errors = new Map<string, number>();
  readonly #runs = new Map<string, number>();
  /** The current handler of each job, by `<kind> <name>` (timers, tasks and crontabs may share names). */
  readonly #handlers = new Map<string, TimerHandler>();

  constructor(options: SchedulerOptions) {
    super({ name: 'timers', logger: options.logger });
    this.#options = options;
    for (const job of options.timers) this.#handlers.set(`timer ${job.name}`, job.handler);
    for (const job of options.tasks) this.#handlers.set(`task ${job.name}`, job.handler);
    for (const job of options.crontabs ?? []) this.#handlers.set(`crontab ${job.name}`, job.handler);
  }

  /**
   * Swaps the handler of a declared job: a run in progress finishes with the old code, the next
   * firing uses `handler`. Returns false (and changes nothing) for a job this scheduler does not run.
   */
  replaceHandler(kind: JobKind, name: string, handler: TimerHandler): boolean {
    const key = `${kind} ${name}`;
    if (!this.#handlers.has(key)) return false;
    this.#handlers.set(key, handler);
    return true;
  }

  /** Completed runs (successful or failed) of the job `name`. */
  runCount(name: string): number {
    return this.#runs.get(name) ?? 0;
  }

  /** Failed runs of the job `name`. */
  errorCount(name: string): number {
    return this.#errors.get(name) ?? 0;
  }

  protected override onStart(): Promise<void> {
    for (const timer of this.#options.timers) this.spawn(`timer ${timer.name}`, (signal) => this.#runTimer(timer, signal));
    for (const task of this.#options.tasks) this.spawn(`task ${task.name}`, (signal) => this.#runTask(task, signal));
    for (const crontab of this.#options.crontabs ?? []) this.spawn(`crontab ${crontab.name}`, (signal) => this.#runCrontab(crontab, signal));
    return Promise.resolve();
  }

  async #runTimer(timer: TimerJob, signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    await this.#options.whenReady(signal);
    let dueMs = clock.now() + timer.intervalMs;
    for (;;) {
      await clock.sleep(dueMs - clock.now(), signal);
      await this.#fire('timer', timer, signal);
      dueMs += timer.intervalMs;
      const nowMs = clock.now();
      if (dueMs <= nowMs) {
        const missed = Math.floor((nowMs - dueMs) / timer.intervalMs) + 1;
        this.log.warn({ timer: timer.name, missed, intervalMs: timer.intervalMs }, 'timer handler ran longer than its interval; skipping the runs it missed');
        dueMs += missed * timer.intervalMs;
      }
    }
  }

  /**
   * Sleeps on the Clock until the next time the expression names after now (croner computes it in
   * the crontab's time zone, DST included), runs, and asks again: a run that overruns the next
   * time skips it rather than overlapping.
   */
  async #runCrontab(crontab: CrontabJob, signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    const schedule = new Cron(crontab.cron, { timezone: crontab.timezone, paused: true });
    await this.#options.whenReady(signal);
    for (;;) {
      const next = schedule.nextRun(new Date(clock.now()));
      if (next === null) {
        this.log.info({ crontab: crontab.name, cron: crontab.cron }, 'crontab has no future run; it is done');
        return;
      }
      await clock.sleep(Math.max(0, next.getTime() - clock.now()), signal);
      await this.#fire('crontab', crontab, signal);
    }
  }

  async #runTask(task: TaskJob, signal: AbortSignal): Promise<void> {
    await this.#options.whenReady(signal);
    await this.#fire('task', task, signal);
  }

  async #fire(kind: JobKind, job: TimerJob | TaskJob | CrontabJob, signal: AbortSignal): Promise<void> {
    const { context } = this.#options;
    if (job.isLeaderOnly && !context.isLeader()) {
      this.log.debug({ [kind]: job.name }, `${kind} skipped: this worker is not the leader`);
      return;
    }
    const log = this.log.child({ [kind]: job.name });
    const handlerContext = jobContext(context, job.name, log, signal);
    const handler = this.#handlers.get(`${kind} ${job.name}`)!; // every job is in the map from the constructor on
    try {
      await untilAborted(Promise.resolve().then(() => handler(handlerContext)), signal);
    } catch (error) {
      if (signal.aborted) throw isAbortError(error) ? error : abortError(signal);
      this.#errors.set(job.name, this.errorCount(job.name) + 1);
      this.#options.onError?.(job.name);
      log.error({ err: error }, `${kind} ${job.name} failed${kind === 'task' ? '' : '; it runs again at its next time'}`);
    } finally {
      this.#runs.set(job.name, this.runCount(job.name) + 1);
    }
  }
}

/** Settles like `work`, or rejects as soon as `signal` aborts (leaving `work` to finish unobserved). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
  });
}
