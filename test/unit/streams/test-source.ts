// testSource: a StreamSource reading one topic (or pattern) in group `g` over a test driver, its
// conductor feeding one channel (agent `a`, records decoded as UTF-8 text), with quick group
// timings, no commit before 60 s or 1,000 events, and ports that do nothing — what the StreamSource
// unit tests share. Each test passes what it is about (an onAssigned gate, transactions, tables, a
// clock, an outage) as the source's own options.

import { pino } from 'pino';
import type { KafkaDriver } from '../../../src/kafka/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { Channel, Conductor, StreamSource, type StreamSourceOptions } from '../../../src/streams/index.js';
import { QUICK } from '../kafka/memory/memory-fixture.js';

export interface TestSourceOptions extends Partial<Omit<StreamSourceOptions, 'driver' | 'conductor'>> {
  readonly driver: KafkaDriver;
  readonly topic: string;
  readonly pattern?: RegExp;
  /** The channel the conductor feeds (default: a new one). */
  readonly channel?: Channel;
}

export function testSource(options: TestSourceOptions): { source: StreamSource; channel: Channel } {
  const { driver, topic, pattern, channel = new Channel('agent a'), ...own } = options;
  const logger = own.logger ?? pino({ level: 'silent' });
  const conductor = new Conductor(
    {
      log: logger,
      decoderFor: () => (r) => ({ key: null, value: r.value?.toString() ?? null }),
      send: () => undefined,
      pause: () => undefined,
      resume: () => undefined,
      halt: () => undefined,
      countDecodeError: () => undefined,
    },
    100,
  );
  conductor.subscribe({ topic, ...(pattern === undefined ? {} : { pattern }), channel, agent: 'a', onDecodeError: 'skip', deadLetterTopic: `${topic}-dlq` });
  const source = new StreamSource({
    logger,
    driver,
    consumer: { groupId: 'g', ...QUICK },
    conductor,
    metrics: new WorkerMetrics({ withDefaults: false }),
    flush: () => Promise.resolve(),
    commitIntervalMs: 60_000,
    commitEvery: 1000,
    onRevoked: () => undefined,
    ...own,
  });
  return { source, channel };
}
