// Retries a kafkajs call that failed because partition leadership is still settling (a topic
// created a moment ago, a broker restarting). kafkajs's admin gives up on those at once; the admin
// client's offset reads use this, as table recovery reads changelog ends right after creating them.

import { setTimeout as sleep } from 'node:timers/promises';
import { protocolTypes } from './errors.js';

const LEADER_SETTLING = new Set(['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

export interface LeaderRetryOptions {
  /**
   * Default 8 (about 4.5 s of waiting in all). Too low: the first read of a fresh topic fails its
   * caller (seen: a worker crashing at boot on its new changelog); too high: a partition that
   * really has no leader is reported that much later.
   */
  readonly attempts?: number;
  /** Default 100: the first pause, doubling per attempt up to 1000. */
  readonly initialDelayMs?: number;
}

/**
 * Runs `call`, and again after a pause while it fails with a leadership error, up to `attempts`
 * times; any other failure, or the last one, is thrown as it is. The pauses take no abort signal:
 * the Admin port has none, and they are bounded to a few seconds.
 */
export async function retryWhileLeaderSettles<T>(call: () => Promise<T>, options: LeaderRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  let delayMs = options.initialDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || !protocolTypes(err).some((type) => LEADER_SETTLING.has(type))) throw err;
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 1000);
  }
}
