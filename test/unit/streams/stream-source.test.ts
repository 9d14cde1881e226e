// StreamSource over the memory driver: what an assignment that arrives during the drain does, how
// a retriable Kafka failure is waited out (a rejoin as a new member) or, without an outage to report
// to, crashes, and that table writes a commit took but did not send are dropped for good.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { KafkaError } from '../../../src/errors/index.js';
import { BrokerOutage, type AssignedEvent, type Consumer, type KafkaDriver } from '../../../src/kafka/index.js';
import { SystemClock } from '../../../src/service/index.js';
import { isAbortError } from '../../../src/service/index.js';
import type { CommitParticipant, StreamSource } from '../../../src/streams/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { QUICK, SOON_MS, memoryFixture } from '../kafka/memory/memory-fixture.js';
import { testSource } from './test-source.js';

const log = pino({ level: 'silent' });

/** A source reading topic `t` in group `g`, with an onAssigned that records each call. */
function sourceOn(
  driver: KafkaDriver,
  options: {
    readonly outage?: BrokerOutage;
    readonly gate?: (event: AssignedEvent, call: number) => Promise<void>;
    readonly tables?: CommitParticipant;
    readonly flush?: () => Promise<void>;
  } = {},
): { source: StreamSource; gates: AssignedEvent[] } {
  const gates: AssignedEvent[] = [];
  const { source } = testSource({
    driver,
    topic: 't',
    logger: log,
    ...(options.flush === undefined ? {} : { flush: options.flush }),
    onAssigned: (event) => {
      gates.push(event);
      return options.gate?.(event, gates.length) ?? Promise.resolve();
    },
    ...(options.outage === undefined ? {} : { outage: options.outage }),
    ...(options.tables === undefined ? {} : { tables: options.tables }),
  });
  return { source, gates };
}

/**
 * `driver` whose consumers' run() (the group join) never ends until the consumer is stopped: a join
 * that waits for a dead member's session. `joining` counts the runs in progress, `stops` the stops.
 */
function withEndlessJoin(driver: KafkaDriver): { driver: KafkaDriver; readonly joining: number; readonly stops: number } {
  const state = { joining: 0, stops: 0 };
  const endless = async (options: Parameters<KafkaDriver['consumer']>[0]): Promise<Consumer> => {
    const real = await driver.consumer(options);
    let release: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (release = resolve));
    return new Proxy(real, {
      get(target, property) {
        if (property === 'run') {
          return () => {
            state.joining += 1;
            return stopped.finally(() => (state.joining -= 1));
          };
        }
        if (property === 'stop') {
          return () => {
            state.stops += 1;
            release();
            return target.stop();
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const wrapped: KafkaDriver = {
    name: driver.name,
    capabilities: driver.capabilities,
    producer: (options) => driver.producer(options),
    transactionalProducer: (id, options) => driver.transactionalProducer(id, options),
    consumer: endless,
    admin: () => driver.admin(),
    close: () => driver.close(),
  };
  return {
    driver: wrapped,
    get joining() {
      return state.joining;
    },
    get stops() {
      return state.stops;
    },
  };
}

describe('StreamSource', () => {
  const fixture = memoryFixture();

  it('leaves an assignment that arrives while it drains alone: no table recovery is started for it, and nothing crashes', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const { source, gates } = sourceOn(driver);
    const other = await driver.consumer({ groupId: 'g', ...QUICK });
    try {
      await source.start();
      await waitFor(() => gates.length === 1 && !source.isGated, { timeoutMs: SOON_MS, message: 'the first assignment, ready' });

      source.stopFetching();
      // Another member joins (in the e2e test: a worker leaving); the group rebalances while this one drains.
      await other.subscribe(['t']);
      await other.run(() => Promise.resolve());
      await waitFor(() => source.assignment.length === 1, { timeoutMs: SOON_MS, message: 'the draining member assigned its half' });

      assert.equal(gates.length, 1, 'onAssigned is not called for an assignment received while draining');
      assert.equal(source.state, 'running');
    } finally {
      await other.stop();
      await source.stop();
    }
    assert.equal((await source.whenStopped()).state, 'stopped');
  });

  it('ends a start whose group join never finishes as soon as it is stopped: the consumer is stopped, the start rejects as aborted, no cleanup error', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const endless = withEndlessJoin(driver);
    const { source } = sourceOn(endless.driver);
    const starting = source.start();
    await waitFor(() => endless.joining === 1, { timeoutMs: SOON_MS, message: 'the join in progress' });

    const exit = await source.stop();
    await assert.rejects(starting, (err: unknown) => isAbortError(err), 'the start ends as aborted, not failed');
    assert.equal(endless.stops, 1, 'the consumer in its join was stopped');
    assert.equal(endless.joining, 0, 'the join ended');
    assert.deepEqual(exit, { state: 'stopped', cleanupErrors: [] });
  });

  it('waits out a retriable Kafka failure of its work: it rejoins as a new member and carries on, and the outage ends', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const outage = new BrokerOutage({ timeoutMs: 60_000, clock: new SystemClock(), logger: log, initialBackoffMs: 1 });
    const refused = new KafkaError('read end offsets: Connection error: connect ECONNREFUSED', { retriable: true });
    const { source, gates } = sourceOn(driver, { outage, gate: (_event, call) => (call === 1 ? Promise.reject(refused) : Promise.resolve()) });
    try {
      await source.start();
      await waitFor(() => gates.length === 2 && !source.isGated && source.isAssigned, { timeoutMs: SOON_MS, message: 'a second assignment after the failure, ready' });
      assert.notEqual(gates[1]!.memberId, gates[0]!.memberId, 'it joined again as a new member');
      assert.equal(source.state, 'running');
      assert.equal(outage.current, undefined, 'the join ended the outage');
    } finally {
      await source.stop();
    }
    assert.equal((await source.whenStopped()).state, 'stopped');
  });

  it('crashes on the same failure when it has no outage to wait out, and on a failure that is not retriable', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const refused = new KafkaError('read end offsets: Connection error: connect ECONNREFUSED', { retriable: true });
    const plain = sourceOn(driver, { gate: () => Promise.reject(refused) });
    // The memory driver assigns within the join, so the failure ends the start.
    await assert.rejects(plain.source.start(), refused);
    const exit = await plain.source.whenStopped();
    assert.equal(exit.state, 'crashed');

    const outage = new BrokerOutage({ timeoutMs: 60_000, clock: new SystemClock(), logger: log, initialBackoffMs: 1 });
    const fatal = new KafkaError('send: MESSAGE_TOO_LARGE');
    const strict = sourceOn(driver, { outage, gate: () => Promise.reject(fatal) });
    await assert.rejects(strict.source.start(), fatal);
    const strictExit = await strict.source.whenStopped();
    assert.equal(strictExit.state, 'crashed');
    assert.equal(strictExit.state === 'crashed' ? strictExit.error : undefined, fatal);
  });

  /** A table participant whose every take yields one flush, numbered; records what became of each. */
  function tablesLog(send: (taken: unknown[]) => Promise<void>): { tables: CommitParticipant; sent: unknown[]; written: unknown[]; dropped: unknown[] } {
    const log = { sent: [] as unknown[], written: [] as unknown[], dropped: [] as unknown[] };
    let flushes = 0;
    const tables: CommitParticipant = {
      take: () => [`flush ${++flushes}`],
      send: async (taken) => {
        await send(taken);
        log.sent.push(...taken);
      },
      write: (taken) => {
        log.written.push(...taken);
        return Promise.resolve();
      },
      drop: (taken) => void log.dropped.push(...taken),
    };
    return { tables, ...log };
  }

  // A broker outage: the changelog send of a commit fails. Its table partitions must take no more
  // writes: a later flush would carry positions covering the failed one's events (the lost counts
  // of the broker-outage chaos test).
  it('drops the table writes of a commit whose changelog send failed, and writes none of them', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const refused = new KafkaError('send: Connection error: connect ECONNREFUSED', { retriable: true });
    const log = tablesLog(() => Promise.reject(refused));
    const { source, gates } = sourceOn(driver, { tables: log.tables });
    try {
      await source.start();
      await waitFor(() => gates.length === 1 && !source.isGated, { timeoutMs: SOON_MS, message: 'the first assignment, ready' });
      await assert.rejects(source.commit('test'), refused);
      assert.deepEqual(log.dropped, ['flush 1'], 'the failed flush is dropped');
      assert.deepEqual([log.sent, log.written], [[], []]);
    } finally {
      await source.stop().catch(() => undefined);
    }
  });

  it('drops the table writes of a commit abandoned because the member changed while the producer flushed', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    let release: () => void = () => undefined;
    let isHeld = false;
    const flush = (): Promise<void> => (isHeld ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve());
    const log = tablesLog(() => Promise.resolve());
    const { source, gates } = sourceOn(driver, { tables: log.tables, flush });
    try {
      await source.start();
      await waitFor(() => gates.length === 1 && !source.isGated, { timeoutMs: SOON_MS, message: 'the first assignment, ready' });
      isHeld = true;
      const committing = source.commit('test');
      // The member leaves and joins again while the producer flush waits (a broker outage).
      await source.rejoin('test');
      await waitFor(() => gates.length === 2 && !source.isGated, { timeoutMs: SOON_MS, message: 'the assignment of the new member, ready' });
      isHeld = false;
      release();
      await committing;
      assert.ok(log.dropped.includes('flush 1'), `the abandoned commit's flush is dropped (dropped: ${JSON.stringify(log.dropped)})`);
      assert.ok(!log.sent.includes('flush 1') && !log.written.includes('flush 1'), 'and neither sent nor written');
    } finally {
      await source.stop().catch(() => undefined);
    }
  });

  // The chaos suite's over-count: a revoke commit's changelog records landed after the next owner had
  // read the changelog's end, because the member rejoined at once and the group moved on without it.
  it('holds its rejoin for the revoke commit: its changelog records land before another member gets a partition', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const steps: string[] = [];
    let isRevoking = false;
    const flush = async (): Promise<void> => {
      if (!isRevoking) return;
      // Bounded: while the revoke commit runs, no member may be given the partitions.
      await waitFor(() => steps.includes('other assigned'), { timeoutMs: 1_000, message: 'another member assigned' }).catch(() => steps.push('flush waited'));
    };
    const log = tablesLog((taken) => {
      steps.push(`sent ${String(taken[0])}`);
      return Promise.resolve();
    });
    const { source, gates } = sourceOn(driver, { tables: log.tables, flush });
    const other = await driver.consumer({ groupId: 'g', ...QUICK });
    try {
      await source.start();
      await waitFor(() => gates.length === 1 && !source.isGated, { timeoutMs: SOON_MS, message: 'the first assignment, ready' });
      isRevoking = true;
      other.on('assigned', (event) => {
        if (event.partitions.length > 0) steps.push('other assigned');
      });
      await other.subscribe(['t']);
      await other.run(() => Promise.resolve());
      await waitFor(() => steps.includes('other assigned'), { timeoutMs: SOON_MS, message: () => `the other member assigned (steps: ${steps.join(', ')})` });
      assert.deepEqual(steps, ['flush waited', 'sent flush 1', 'other assigned'], 'the revoke commit ends before the partitions move');
      assert.deepEqual([log.written, log.dropped], [['flush 1'], []], 'and its flush is written to the stores');
    } finally {
      await other.stop().catch(() => undefined);
      await source.stop().catch(() => undefined);
    }
  });
});
