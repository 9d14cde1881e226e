// Routes kafkajs's own log lines into the driver's pino logger.

import type { Logger } from 'pino';
import type { logCreator, logLevel as KafkajsLogLevel } from 'kafkajs';
import { logLevel } from './kafkajs.js';

// kafkajs warns about finite retries on idempotent producers; streamd bounds retries on purpose,
// so that a send to a deleted topic fails instead of retrying forever.
const SUPPRESSED = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** kafkajs's level for a pino logger: its INFO lines are lifecycle chatter, so they go to debug. */
export function kafkajsLevel(logger: Logger): KafkajsLogLevel {
  return logger.isLevelEnabled('debug') ? logLevel.DEBUG : logLevel.WARN;
}

export function pinoLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log as { message: string; timestamp: string; logger?: string };
    if (message === SUPPRESSED) return;
    const entry = { ...fields, kafkajs: namespace };
    if (level === logLevel.ERROR) logger.error(entry, message);
    else if (level === logLevel.WARN) logger.warn(entry, message);
    else logger.debug(entry, message);
  };
}
