// The timer API: what a timer's, a start-up task's (and later a crontab's) handler is, and the jobs
// the Scheduler runs. Shared by the scheduler, the worker that builds it and the handler loader.

import type { HandlerContext } from '../agents/index.js';

/**
 * A timer, crontab or start-up task handler: called with a context like an agent's, without a
 * current event. Table reads work; writes to partitioned tables are refused (no event, no partition).
 */
export type TimerHandler = (context: HandlerContext) => unknown;

/** A periodic job: first run one interval after the worker is ready, then every `intervalMs`. */
export interface TimerJob {
  readonly name: string;
  readonly intervalMs: number;
  readonly isLeaderOnly: boolean;
  readonly handler: TimerHandler;
}

/** A crontab: runs at each time its cron expression names, in its time zone. */
export interface CrontabJob {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly isLeaderOnly: boolean;
  readonly handler: TimerHandler;
}

/** A start-up task: runs once, when the worker is ready. */
export interface TaskJob {
  readonly name: string;
  readonly isLeaderOnly: boolean;
  readonly handler: TimerHandler;
}

/** The parts of the handler context that do not depend on the job (the scheduler adds log, signal). */
export interface TimerContextParts {
  readonly topics: HandlerContext['topics'];
  readonly agents: HandlerContext['agents'];
  /** Default none. */
  readonly channels?: HandlerContext['channels'];
  /** The tables as the job named `job` sees them (a scope without a current event). */
  readonly tables: (job: string) => HandlerContext['tables'];
  readonly isLeader: () => boolean;
}
