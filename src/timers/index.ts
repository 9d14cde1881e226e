// Public surface of the timers area: the Scheduler service, the handler and job types, and the
// context of code that runs outside an event.
export { Scheduler, type JobKind, type SchedulerOptions } from './scheduler.js';
export { jobContext } from './job-context.js';
export type { CrontabJob, TaskJob, TimerContextParts, TimerHandler, TimerJob } from './types.js';
