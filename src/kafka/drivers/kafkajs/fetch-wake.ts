// A resume wakes kafkajs's fetch loop. kafkajs 2.2.4's consumer group (consumerGroup.js, fetch)
// sleeps maxWaitMs when every partition it would fetch from a broker is paused, and only then looks
// again: a partition resumed meanwhile waits out the rest of that sleep with its stream buffer
// draining. So the read-ahead had to cover maxWaitMs of processing (streamd fetched 4 MiB per
// partition, ~1 s of records buffered and promoted into V8's old generation). With the sleep cut short
// by a resume, the fetch follows the resume at once and a small read-ahead keeps the handlers fed.
//
// The sleep is kafkajs's utils/sleep.js, put in its module cache before kafkajs loads (kafkajs.ts
// imports this module first). Its only other user is kafkajs's waitFor, which polls a condition: a
// wake makes it look earlier, nothing else.

import { createRequire, Module } from 'node:module';

/** The sleeps in progress, each with what ends it early. */
const sleepers = new Set<() => void>();

/** kafkajs's sleep: resolves after `ms`, or at the next `wakeSleepers()`, whichever comes first. */
export function wakeableSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      sleepers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    sleepers.add(wake);
  });
}

/** Ends every kafkajs sleep in progress: a paused partition was resumed, so the fetch loop looks again. */
export function wakeSleepers(): void {
  for (const wake of [...sleepers]) wake();
}

const require = createRequire(import.meta.url);
const target = require.resolve('kafkajs/src/utils/sleep.js');
const group = require.resolve('kafkajs/src/consumer/consumerGroup.js');

/** False when kafkajs loaded before this module: its sleep is its own, and a resume waits it out. */
export const isFetchWakeInstalled: boolean = (() => {
  if (require.cache[group] !== undefined) return false;
  const replacement = new Module(target);
  replacement.filename = target;
  replacement.loaded = true;
  replacement.exports = wakeableSleep;
  require.cache[target] = replacement;
  return true;
})();
