// Public surface of the timers area: the Scheduler service and the handler and job types.
export { Scheduler, type SchedulerOptions } from './scheduler.js';
export type { CrontabJob, TaskJob, TimerContextParts, TimerHandler, TimerJob } from './types.js';
