// B1, stateless: the same parse → filter → map → send work done by streamd and by a raw kafkajs
// eachBatch loop (the "consumeproduce" baseline), each draining the same preloaded topic with a
// fresh group. Measured from outside (drain-watch.ts).

import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import kafkajs from 'kafkajs';
import type { Admin } from '../src/kafka/index.js';
import { loadManifest, type ProcessingGuarantee } from '../src/manifest/index.js';
import { WorkerMetrics } from '../src/metrics/index.js';
import { createWorker } from '../src/worker/index.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { b1 } from './apps/stateless/handlers.js';
import { watchDrain, type DrainResult } from './drain-watch.js';
import { runJava } from './java-perf.js';

/** Loads `records` JSON page views of about 100 bytes with the broker's own producer (fast, keyless). */
export async function preloadPageViews(classpath: string, bootstrap: string, topic: string, records: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'streamd-bench-'));
  try {
    const lines = Array.from({ length: 10_000 }, (_, n) =>
      JSON.stringify({ user: `user-${String(n % 10_000).padStart(5, '0')}`, page: `/p/${n % 1000}`, ref: 'search', seq: n, ts: 1_700_000_000_000 + n * 1000 }),
    );
    const payloads = join(dir, 'payloads.txt');
    await writeFile(payloads, lines.join('\n'));
    await runJava(classpath, 'org.apache.kafka.tools.ProducerPerformance', [
      '--topic', topic, '--num-records', String(records), '--throughput', '-1', '--payload-file', payloads,
      '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'linger.ms=5',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function transform(value: Buffer | null): Buffer | undefined {
  const view = JSON.parse(value!.toString()) as { page: string; ts: number };
  if (view.page.endsWith('7')) return undefined;
  return Buffer.from(JSON.stringify({ ...view, hour: Math.floor(view.ts / 3_600_000) }));
}

/** The raw kafkajs baseline: eachBatch → transform → one send per batch → resolve → commit every 1 s. */
export async function rawKafkajs(bootstrap: string, admin: Admin, input: string, output: string, group: string): Promise<DrainResult> {
  const kafka = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100, maxBytesPerPartition: 1_048_576 });
  await Promise.all([producer.connect(), consumer.connect()]);
  const started = performance.now();
  try {
    await consumer.subscribe({ topics: [input], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const messages = [];
        for (const m of batch.messages) {
          const value = transform(m.value);
          if (value !== undefined) messages.push({ key: m.key, value });
        }
        if (messages.length > 0) await producer.send({ topic: output, messages, acks: -1 });
        payload.resolveOffset(batch.lastOffset());
        await payload.heartbeat();
      },
    });
    return await watchDrain(admin, group, input, started, 600_000);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/** streamd's worker running bench/apps/stateless on the same input. */
export async function streamdStateless(bootstrap: string, admin: Admin, appId: string, guarantee: ProcessingGuarantee = 'at_least_once'): Promise<DrainResult> {
  const manifest = await loadManifest(repoPath('bench', 'apps', 'stateless', 'app.yaml'), {
    env: { STREAMD_BROKER: `kafka://${bootstrap}`, BENCH_APP_ID: appId, STREAMD_PROCESSING_GUARANTEE: guarantee },
  });
  const worker = await createWorker(manifest, {
    logger: pino({ level: 'warn' }),
    handlers: new Map([['b1', b1]]),
    metrics: new WorkerMetrics({ withDefaults: false }),
  });
  const started = performance.now();
  await worker.start();
  try {
    return await watchDrain(admin, appId, 'pageviews', started, 600_000);
  } finally {
    await worker.stop();
  }
}
