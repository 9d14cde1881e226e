// exactly_once across assignments, on the embedded broker: a record made by an event of a revoked
// assignment joins no transaction of a later one, even when the partition came back to the same
// worker (it would repeat what the partition's next processing of the event sends), and a rejoin
// still commits the revoked assignment's work, which the consumer is gone for.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { createDriver, type KafkaDriver } from '../../../src/kafka/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import type { Channel, CommitPart, Event, StreamSource, TransactionalSteps } from '../../../src/streams/index.js';
import { createWorker, type Worker } from '../../../src/worker/index.js';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { SOON_MS } from '../kafka/memory/memory-fixture.js';
import { testSource } from '../streams/test-source.js';

const silent = pino({ level: 'silent' });

/** The pipeline app's `pipe` agent, passing orders to its sink and keeping each event it processed. */
function capturing(events: Event[]): Agent<unknown> {
  return async function* (stream, context) {
    for await (const order of stream) {
      events.push(context.currentEvent()!);
      yield order;
    }
  };
}

async function startWorker(broker: string, events: Event[]): Promise<Worker> {
  const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'pipeline', 'app.yaml'), { env: { STREAMD_PROCESSING_GUARANTEE: 'exactly_once', STREAMD_BROKER: broker } });
  const worker = await createWorker(manifest, { logger: silent, handlers: new Map([['pipe', capturing(events) as Agent]]), metrics: new WorkerMetrics({ withDefaults: false }) });
  await worker.start();
  await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
  return worker;
}

const order = (id: number): { key: string; value: { id: number; user: string; amount: number } } => ({ key: 'one-key', value: { id, user: 'ada', amount: id } });

describe('exactly_once across assignments', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('drops a send of an acked event whose assignment was revoked, though its partition came back to this worker', async () => {
    const broker = `memory://${uniqueName('eos-gen')}`;
    const driver: KafkaDriver = createDriver(broker);
    cleanup.push(() => driver.close());
    const events: Event[] = [];
    const worker = await startWorker(broker, events);
    cleanup.push(() => worker.stop());
    const sink = await collectRecords(await driver.consumer({ groupId: uniqueName('sink'), maxWaitMs: 20, isolation: 'read_committed' }), ['large_orders']);
    cleanup.push(() => sink.consumer.stop());
    const ids = (): number[] => sink.records.map((r) => (JSON.parse(r.value!.toString()) as { id: number }).id);

    await worker.ingest('orders', [order(1)]);
    await sink.untilCount(1, { timeoutMs: SOON_MS });
    const old = events[0]!;
    // A second worker joins and leaves: the first holds every partition again, in a new assignment.
    const other = await startWorker(broker, []);
    await other.stop();
    await worker.ingest('orders', [order(2)]);
    await waitFor(() => ids().includes(2), { timeoutMs: 20_000, message: 'the first worker to process order 2 in its new assignment' });
    assert.ok(events.length >= 2 && events.at(-1)!.delivery !== old.delivery, 'order 2 came in a new assignment');

    // A late send made for the first assignment's event (acked, its partition's tracker revoked).
    worker.enqueue({ topic: 'large_orders', key: null, value: Buffer.from(JSON.stringify({ id: 999 })) }, old);
    await worker.ingest('orders', [order(3)]);
    await waitFor(() => ids().includes(3), { timeoutMs: 20_000, message: 'order 3 committed' });
    assert.deepEqual(ids().sort((a, b) => a - b), [1, 2, 3], 'the late record of the revoked assignment is in no transaction');
  });

  it('commits the revoked assignment under exactly_once on a rejoin, though the consumer is gone before the commit runs', async () => {
    const broker = `memory://${uniqueName('eos-rejoin')}`;
    const driver = createDriver(broker);
    cleanup.push(() => driver.close());
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 1 }]);
    const producer = await driver.producer();
    await producer.send([1, 2, 3].map((n) => ({ topic: 't', key: null, value: Buffer.from(String(n)) })));
    await producer.close();
    const commits: CommitPart[] = [];
    const transactions: TransactionalSteps = {
      send: () => undefined,
      commit: (parts, taken) => {
        commits.push(...parts);
        return Promise.resolve({ offsets: parts.map((p) => p.offset), taken });
      },
    };
    let assignments = 0;
    const { source, channel } = testSource({
      driver,
      topic: 't',
      onAssigned: () => {
        assignments += 1;
        return Promise.resolve();
      },
      transactions,
    });
    cleanup.push(() => source.stop());
    await source.start();
    const signal = AbortSignal.timeout(SOON_MS);
    for (let n = 0; n < 3; n++) (await channel.next(signal))!.ack();
    await source.rejoin('test');
    await waitFor(() => assignments === 2, { timeoutMs: SOON_MS, message: 'the second assignment' });
    await source.whenCommitted();
    assert.deepEqual(commits.map((p) => p.offset), [{ topic: 't', partition: 0, offset: 3n }], 'the revoke commit ran, with the acked offsets');
  });
  it('skips, in a partition it keeps, what its own transactions committed though the group does not show it yet', async () => {
    const broker = `memory://${uniqueName('eos-own')}`;
    const driver = createDriver(broker);
    cleanup.push(() => driver.close());
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 1 }]);
    const producer = await driver.producer();
    cleanup.push(() => producer.close());
    await producer.send([1, 2, 3].map((n) => ({ topic: 't', key: null, value: Buffer.from(String(n)) })));
    // Transactions that answer "committed" while the group's offsets never move: a read of the
    // committed offsets stays behind them, as the real group coordinator's does for a moment.
    const transactions: TransactionalSteps = { send: () => undefined, commit: (parts, taken) => Promise.resolve({ offsets: parts.map((p) => p.offset), taken }) };
    let assignments = 0;
    const { source, channel }: { source: StreamSource; channel: Channel } = testSource({
      driver,
      topic: 't',
      // As the worker's exactly_once gate: the previous assignment's commit ends, then the floors.
      onAssigned: (event) => {
        assignments += 1;
        return (async () => {
          await source.whenCommitted();
          await source.skipCommitted(event.partitions);
        })();
      },
      transactions,
    });
    cleanup.push(() => source.stop());
    await source.start();
    const signal = AbortSignal.timeout(20_000);
    for (let n = 0; n < 3; n++) (await channel.next(signal))!.ack();
    await source.rejoin('test');
    await waitFor(() => assignments === 2, { timeoutMs: SOON_MS, message: 'the second assignment' });
    await producer.send([{ topic: 't', key: null, value: Buffer.from('4') }]);
    const next = (await channel.next(signal))!;
    assert.equal(next.message.offset, 3n, 'the kept partition resumes after its own last commit, not from the offsets the group showed');
  });
});
