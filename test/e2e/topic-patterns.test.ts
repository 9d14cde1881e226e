// Topic patterns on the real broker: `streamd start` with an agent on a `pattern:` topic reads the two
// matching topics that exist when it starts and a third created while it runs (picked up within
// topicPatternRefreshIntervalMs by a rejoin), each event under its real topic name, and never a
// topic whose name does not match.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ScratchApp } from './helpers/scratch-app.js';

const PER_TOPIC = 5;

const HANDLER = `
export const tag = async function* (stream: { events(): AsyncIterable<{ value: unknown; message: { topic: string } }> }) {
  for await (const event of stream.events()) yield { topic: event.message.topic, value: event.value };
};
`;

describe('topic patterns: an agent over every topic whose name matches', { timeout: 120_000 }, () => {
  let app: ScratchApp | undefined;
  after(async () => app?.close());

  it('reads two existing matching topics and one created after start, not the one that does not match', async () => {
    app = await ScratchApp.empty('e2e-patterns');
    const base = `orders_${app.appId.replace(/-/g, '_')}`;
    const [eu, us, late, miss] = [`${base}-eu`, `${base}-us`, `${base}-late`, `${base}_miss`];
    const output = `${base}_tagged`;
    await app.write({
      'handlers.ts': HANDLER,
      'app.yaml': [
        `id: ${app.appId}`,
        'topics:',
        `  orders: { pattern: '^${base}-.*', valueType: json }`,
        `  ${output}: { valueType: json, partitions: 1 }`,
        'agents:',
        '  tag:',
        '    topic: orders',
        '    handler: ./handlers.ts#tag',
        `    sinks: [${output}]`,
        '',
      ].join('\n'),
    });
    const admin = await app.admin();
    await admin.createTopics([{ topic: eu, partitions: 2 }, { topic: us, partitions: 1 }, { topic: miss, partitions: 1 }]);
    const produce = async (topic: string): Promise<void> => {
      const producer = await app!.driver.producer();
      try {
        await producer.send(Array.from({ length: PER_TOPIC }, (_, i) => ({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify(i)) })));
      } finally {
        await producer.close();
      }
    };
    const tagged = (): { topic: string; value: number }[] => collector.records.map((r) => JSON.parse(r.value!.toString('utf8')) as { topic: string; value: number });
    const fromTopic = (topic: string): number[] => tagged().filter((t) => t.topic === topic).map((t) => t.value).sort((a, b) => a - b);
    const all = Array.from({ length: PER_TOPIC }, (_, i) => i);

    const daemon = await app.start(app.env({ STREAMD_TOPIC_PATTERN_REFRESH_INTERVAL_MS: '1000', STREAMD_COMMIT_INTERVAL_MS: '300' }));
    const collector = await app.collect([output]);
    await Promise.all([produce(eu), produce(us), produce(miss)]);
    await collector.until(() => fromTopic(eu).length >= PER_TOPIC && fromTopic(us).length >= PER_TOPIC, { timeoutMs: 60_000, message: `the existing matching topics read; the worker:\n${daemon.tail(15)}` });

    await admin.createTopics([{ topic: late, partitions: 1 }]);
    await produce(late);
    await collector.until(() => fromTopic(late).length >= PER_TOPIC, { timeoutMs: 60_000, message: `the topic created after start read; the worker:\n${daemon.tail(15)}` });

    for (const topic of [eu, us, late]) assert.deepEqual([...new Set(fromTopic(topic))], all, `every record of ${topic}, under its real name`);
    assert.deepEqual(fromTopic(miss), [], `nothing from ${miss}, which does not match`);
    const matched = daemon.logs().filter((l) => l['msg'] === 'topic patterns match 3 topics');
    assert.ok(matched.length > 0, 'the rejoin subscribed to the three matching topics');
    assert.deepEqual(matched.at(-1)!['topics'], [eu, late, us].sort());
    const topology = (await (await fetch(`http://127.0.0.1:${daemon.webPort}/topology`)).json()) as { topics: { name: string; role: string; pattern?: string }[] };
    assert.deepEqual(topology.topics.find((t) => t.name === 'orders'), { role: 'source', pattern: `^${base}-.*`, name: 'orders', partitions: null }, '/topology shows the pattern');
    console.log(`topic patterns: ${tagged().length} records tagged from ${eu}, ${us} and ${late} (created after start); 0 from ${miss}`);

    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  });
});
