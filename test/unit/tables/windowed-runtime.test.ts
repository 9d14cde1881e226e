// A windowed table over one in-memory partition: event time from a field or the wall clock, every
// open window written, late events dropped and counted, sessions merged, emit: update records.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ProducerRecord } from '../../../src/kafka/index.js';
import type { TableDeclaration, WindowDeclaration } from '../../../src/manifest/index.js';
import { createTopicCodecs } from '../../../src/models/index.js';
import { ManualClock } from '../../../src/service/index.js';
import { MemoryStore } from '../../../src/stores/index.js';
import { TablePositions } from '../../../src/tables/index.js';
import { TablePartition } from '../../../src/tables/table-partition.js';
import { TableRuntime } from '../../../src/tables/table-runtime.js';
import { WindowedRuntime } from '../../../src/tables/windowed-runtime.js';
import { Delivery } from '../streams/fixtures.js';

const MIN = 60_000;

async function windowed(window: Partial<WindowDeclaration> & Pick<WindowDeclaration, 'type'>, clock = new ManualClock(0)) {
  const declaration = {
    name: 'views', kind: 'table', keyType: { kind: 'builtin', name: 'string' }, valueType: { kind: 'builtin', name: 'integer' }, defaultValue: 0, isGlobal: false, standbyReplicas: 0,
    location: { file: 'app.yaml', line: 1, column: 1 },
    window: { graceMs: 0, idleCloseMs: 30_000, relativeTo: { kind: 'field', path: ['ts'] }, emit: 'final', ...window },
  } as unknown as TableDeclaration;
  const table = new TableRuntime({ declaration, changelog: 'views-changelog', codecs: createTopicCodecs({ keyType: 'string', valueType: 'json', valueSerializer: 'json' }), partitionsOf: () => 1, log: pino({ level: 'silent' }) });
  table.partitionCount = 1;
  const partition = new TablePartition('views', 0, new MemoryStore('mem/views-0'), new TablePositions());
  table.partitions.set(0, partition);
  const sent: ProducerRecord[] = [];
  let late = 0;
  const runtime = new WindowedRuntime({ table, window: declaration.window!, clock, log: pino({ level: 'silent' }), send: (r) => sent.push(r), onLate: () => late++ });
  await runtime.attach(partition);
  const delivery = new Delivery('views', 0);
  const count = async (key: string, ts: unknown, merge?: (a: unknown, b: unknown) => unknown): Promise<void> => {
    const event = delivery.event({ ts }, key);
    await runtime.update(key, (n) => (n as number) + 1, event, merge);
    event.ack();
  };
  return { runtime, count, sent, late: () => late };
}

const summary = async (runtime: WindowedRuntime, key: string): Promise<string[]> => (await runtime.windows(key, undefined)).map((w) => `${w.start / MIN}-${w.end / MIN}:${String(w.value)}${w.closed ? ' closed' : ''}`);

describe('WindowedRuntime', () => {
  it('counts a hopping event in size/step windows, timed by a field in epoch ms or ISO-8601, and reads the latest window', async () => {
    const { runtime, count } = await windowed({ type: 'hopping', sizeMs: 3 * MIN, stepMs: MIN });
    await count('a', 2 * MIN + 5);
    await count('a', new Date(3 * MIN + 5).toISOString());
    assert.deepEqual(await summary(runtime, 'a'), ['0-3:1 closed', '1-4:2', '2-5:2', '3-6:1']);
    assert.equal(await runtime.at('a', 3 * MIN + 10, undefined), 1, 'the latest-started window containing the time');
    await assert.rejects(count('a', 'yesterday'), { code: 'STREAMD_WINDOW_TIME' });
  });

  it('drops and counts an event whose windows closed (end + grace passed the stream time)', async () => {
    const { runtime, count, late } = await windowed({ type: 'tumbling', sizeMs: MIN, graceMs: 10_000 });
    await count('a', 30_000);
    await count('a', 69_000);
    await count('a', 50_000); // within grace: [0, 1m) closes when the stream time reaches 70 s
    await count('a', 90_000);
    await count('a', 20_000); // late
    assert.equal(late(), 1);
    assert.deepEqual(await summary(runtime, 'a'), ['0-1:2 closed', '1-2:2']);
  });

  it('merges sessions an event bridges, adding their counts', async () => {
    const { runtime, count } = await windowed({ type: 'session', gapMs: MIN, graceMs: 5 * MIN });
    await count('a', 0);
    await count('a', 2 * MIN);
    assert.deepEqual(await summary(runtime, 'a'), ['0-1:1', '2-3:1']);
    await count('a', MIN); // within the gap of both
    assert.deepEqual(await summary(runtime, 'a'), ['0-3:3']);
  });

  it('times events by the wall clock with relativeTo now, and sends every change with emit: update', async () => {
    const clock = new ManualClock(5 * MIN);
    const { runtime, count, sent } = await windowed({ type: 'tumbling', sizeMs: MIN, relativeTo: { kind: 'now' }, emit: 'update', sink: 'out' }, clock);
    await count('a', 0);
    await count('a', 0);
    assert.deepEqual(await summary(runtime, 'a'), ['5-6:2']);
    assert.deepEqual(sent.map((r) => [r.topic, r.key?.toString(), (JSON.parse(r.value!.toString()) as { value: number }).value]), [['out', 'a', 1], ['out', 'a', 2]]);
  });
});
