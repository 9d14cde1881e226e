// Routes kafkajs's own log lines into the driver's pino logger.

import type { Logger } from 'pino';
import type { logCreator, logLevel as KafkajsLogLevel } from 'kafkajs';
import { JOIN_CUT_SHORT } from './group-internals.js';
import { logLevel } from './kafkajs.js';

// kafkajs warns about finite retries on idempotent producers; streamd bounds retries on purpose,
// so that a send to a deleted topic fails instead of retrying forever.
const SUPPRESSED = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

// kafkajs logs every failed broker response as an error, including the ones a rebalance or a
// coordinator move produces on purpose; the group protocol retries them. They go to debug, so an
// error line in streamd's log means something is wrong.
const ROUTINE_RESPONSE_ERRORS = new Set([
  'The group is rebalancing, so a rejoin is needed',
  'Specified group generation id is not valid',
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'The coordinator is loading and hence can\'t process requests',
  'The coordinator is not aware of this member',
]);

/** kafkajs's level for a pino logger: its INFO lines are lifecycle chatter, so they go to debug. */
export function kafkajsLevel(logger: Logger): KafkajsLogLevel {
  return logger.isLevelEnabled('debug') ? logLevel.DEBUG : logLevel.WARN;
}

export function pinoLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log as { message: string; timestamp: string; logger?: string } & Record<string, unknown>;
    if (message === SUPPRESSED) return;
    const entry = { ...fields, kafkajs: namespace };
    // A join cut short by a stop makes kafkajs log a consumer crash: it is the stop, not a failure.
    const isRoutine = (typeof fields['error'] === 'string' && ROUTINE_RESPONSE_ERRORS.has(fields['error'])) || message.includes(JOIN_CUT_SHORT);
    if (isRoutine) logger.debug(entry, message);
    else if (level === logLevel.ERROR) logger.error(entry, message);
    else if (level === logLevel.WARN) logger.warn(entry, message);
    else logger.debug(entry, message);
  };
}
