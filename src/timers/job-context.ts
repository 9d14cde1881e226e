// The handler context of code that runs outside an event (timers, crontabs, start-up tasks and web
// views): built from the worker's TimerContextParts. Used by the Scheduler and the worker's views.

import type { Logger } from 'pino';
import type { HandlerContext } from '../agents/index.js';
import type { TimerContextParts } from './types.js';

/** The context of the job (or view) `name`: no current event, table reads go to the key's partition. */
export function jobContext(parts: TimerContextParts, name: string, log: Logger, signal: AbortSignal): HandlerContext {
  return {
    topics: parts.topics,
    agents: parts.agents,
    channels: parts.channels ?? {},
    tables: parts.tables(name),
    log,
    signal,
    isLeader: parts.isLeader,
    currentEvent: () => undefined,
  };
}
