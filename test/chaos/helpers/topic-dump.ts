// Post-mortem of a failed chaos run: every record of the app's topics, with the headers that
// matter for exactly-once tables, written as JSON lines beside the workers' logs.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import type { PageViewsCluster } from '../../e2e/helpers/cluster-app.js';

export async function dumpTopics(cluster: PageViewsCluster, dir: string, timeoutMs: number): Promise<void> {
  const admin = await cluster.admin();
  for (const topic of [cluster.input, cluster.repartition, cluster.changelog]) {
    const ends = await admin.offsets(topic);
    const reached = new Map<number, bigint>();
    const consumer = await cluster.driver.consumer({ groupId: uniqueName('dump'), maxWaitMs: 100, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });
    try {
      const collector = await collectRecords(consumer, [topic], { onBatch: (batch) => void reached.set(batch.partition, batch.nextOffset) });
      await collector.until(() => ends.every((e) => (reached.get(e.partition) ?? e.earliest) >= e.latest), { timeoutMs, message: `${topic} read to its end` });
      const lines = collector.records.map((r) =>
        JSON.stringify({
          p: r.partition,
          o: r.offset.toString(),
          t: r.timestamp,
          k: r.key?.toString() ?? null,
          v: r.value?.toString() ?? null,
          origin: r.headers['streamd-origin']?.toString().split('\u0000').join('|'),
          positions: r.headers['streamd-positions']?.toString(),
        }),
      );
      await writeFile(join(dir, `${topic === cluster.input ? 'input' : topic === cluster.repartition ? 'repartition' : 'changelog'}.jsonl`), lines.join('\n'));
    } finally {
      await consumer.stop();
    }
  }
  const committed = await admin.committedOffsets(cluster.appId, [cluster.input, cluster.repartition]);
  await writeFile(join(dir, 'committed.json'), JSON.stringify(committed.map((c) => ({ ...c, offset: c.offset.toString() }))));
}
