// `npm run bench`: starts a real broker (JIT on, as in production), loads the data, and prints each
// streamd figure beside a baseline measured in the same run. Figures are reported, never asserted.
// Usage: node dist/bench/index.js [--records N] [--only drivers,stateless] [--json]

import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { createDriver } from '../src/kafka/index.js';
import { ensureKafkaJars } from '../test/kafka/jars.js';
import { TestBroker } from '../test/kafka/broker.js';
import { consumeThroughput, produceThroughput } from './driver-throughput.js';
import { consumerPerformance, producerPerformance } from './java-perf.js';
import { preloadPageViews, rawKafkajs, streamdStateless } from './stateless.js';

interface Row {
  readonly workload: string;
  readonly subject: string;
  readonly recordsPerSec: number;
  readonly baseline?: string;
  readonly ratio?: number;
}

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    only: { type: 'string', default: 'drivers,stateless' },
    json: { type: 'boolean', default: false },
  },
});
const workloads = new Set(values.only.split(','));
const records = Number(values.records);
const recordSize = 100;
const partitions = 4;
const say = (line: string): void => {
  if (!values.json) process.stderr.write(`${line}\n`);
};

async function main(): Promise<void> {
  const { classpath, version } = await ensureKafkaJars({ log: say });
  const broker = await TestBroker.start({ classpath, jvmFast: false, heapMb: 1024, log: say });
  const rows: Row[] = [];
  const run = randomUUID().slice(0, 8);
  try {
    say(`broker: Kafka ${version} on ${broker.bootstrap}, ready in ${(broker.startedMs / 1000).toFixed(2)} s`);
    if (workloads.has('drivers')) rows.push(...(await driverWorkload(classpath, broker.bootstrap, run)));
    if (workloads.has('stateless')) rows.push(...(await statelessWorkload(classpath, broker.bootstrap, run)));
  } finally {
    await broker.stop();
  }
  report(rows, broker.startedMs);
}

async function statelessWorkload(classpath: string, bootstrap: string, run: string): Promise<Row[]> {
  const kafka = createDriver(`kafka://${bootstrap}`);
  const admin = await kafka.admin();
  try {
    await admin.createTopics(['pageviews', 'pageviews_out', 'pageviews_raw_out'].map((topic) => ({ topic, partitions })));
    say(`stateless (B1): preloading ${records} JSON page views of about 100 B into 4 partitions`);
    await preloadPageViews(classpath, bootstrap, 'pageviews', records);
    say('stateless (B1): raw kafkajs eachBatch consume → transform → produce loop');
    const raw = await rawKafkajs(bootstrap, admin, 'pageviews', 'pageviews_raw_out', `bench-raw-${run}`);
    say('stateless (B1): streamd filter → map → sink');
    const streamd = await streamdStateless(bootstrap, admin, `bench-streamd-${run}`);
    return [
      { workload: 'B1', subject: `raw kafkajs loop (drain ${raw.drainSeconds.toFixed(1)} s)`, recordsPerSec: raw.steadyRecordsPerSec },
      {
        workload: 'B1',
        subject: `streamd stateless (drain ${streamd.drainSeconds.toFixed(1)} s)`,
        recordsPerSec: streamd.steadyRecordsPerSec,
        baseline: 'raw kafkajs loop',
        ratio: streamd.steadyRecordsPerSec / raw.steadyRecordsPerSec,
      },
    ];
  } finally {
    await admin.close();
    await kafka.close();
  }
}

async function driverWorkload(classpath: string, bootstrap: string, run: string): Promise<Row[]> {
  const rows: Row[] = [];
  const broker = { bootstrap };
  {
    const kafka = createDriver(`kafka://${broker.bootstrap}`);
    const memory = createDriver(`memory://bench-${run}`);
    try {
      const javaTopic = `bench-java-${run}`;
      const kafkajsTopic = `bench-kafkajs-${run}`;
      const admin = await kafka.admin();
      await admin.createTopics([javaTopic, kafkajsTopic].map((topic) => ({ topic, partitions })));
      const memoryAdmin = await memory.admin();
      await memoryAdmin.createTopics([{ topic: kafkajsTopic, partitions }]);

      say(`produce: ${records} records of ${recordSize} B to ${partitions} partitions, acks=all, idempotent`);
      const javaProduce = await producerPerformance(classpath, broker.bootstrap, javaTopic, records, recordSize);
      rows.push({ workload: 'produce', subject: 'ProducerPerformance (Java)', recordsPerSec: javaProduce.recordsPerSec });
      const kafkajsProduce = await produceThroughput(kafka, kafkajsTopic, records, recordSize);
      rows.push({ workload: 'produce', subject: 'streamd kafkajs driver', recordsPerSec: kafkajsProduce.recordsPerSec, baseline: 'ProducerPerformance', ratio: kafkajsProduce.recordsPerSec / javaProduce.recordsPerSec });
      const memoryProduce = await produceThroughput(memory, kafkajsTopic, records, recordSize);
      rows.push({ workload: 'produce', subject: 'streamd memory driver', recordsPerSec: memoryProduce.recordsPerSec, baseline: 'ProducerPerformance', ratio: memoryProduce.recordsPerSec / javaProduce.recordsPerSec });

      say(`consume: the ${records} records ProducerPerformance wrote, fresh group, from the beginning`);
      const javaConsume = await consumerPerformance(classpath, broker.bootstrap, javaTopic, records, `bench-java-${run}`);
      rows.push({ workload: 'consume', subject: 'ConsumerPerformance (Java, fetch.nMsg.sec)', recordsPerSec: javaConsume.recordsPerSec });
      const kafkajsConsume = await consumeThroughput(kafka, javaTopic, records, `bench-kafkajs-${run}`);
      rows.push({ workload: 'consume', subject: 'streamd kafkajs driver', recordsPerSec: kafkajsConsume.recordsPerSec, baseline: 'ConsumerPerformance', ratio: kafkajsConsume.recordsPerSec / javaConsume.recordsPerSec });
      const memoryConsume = await consumeThroughput(memory, kafkajsTopic, records, `bench-memory-${run}`);
      rows.push({ workload: 'consume', subject: 'streamd memory driver', recordsPerSec: memoryConsume.recordsPerSec, baseline: 'ConsumerPerformance', ratio: memoryConsume.recordsPerSec / javaConsume.recordsPerSec });
      await admin.deleteTopics([javaTopic, kafkajsTopic]);
    } finally {
      await Promise.allSettled([kafka.close(), memory.close()]);
    }
  }
  return rows;
}

function report(rows: readonly Row[], brokerStartMs: number): void {
  const env = { node: process.version, kafka: '3.9.1', cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, records, recordSize, partitions };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ env, brokerStartMs, rows }, null, 2)}\n`);
    return;
  }
  const lines = [`broker start: ${(brokerStartMs / 1000).toFixed(2)} s (format + JVM start + admin API answering)`, ''];
  lines.push(`${'workload'.padEnd(9)} ${'subject'.padEnd(44)} ${'records/s'.padStart(11)}  ratio to baseline`);
  for (const row of rows) {
    const ratio = row.ratio === undefined ? '(baseline)' : `${row.ratio.toFixed(2)} × ${row.baseline ?? ''}`;
    lines.push(`${row.workload.padEnd(9)} ${row.subject.padEnd(44)} ${Math.round(row.recordsPerSec).toLocaleString('en-US').padStart(11)}  ${ratio}`);
  }
  lines.push('', `node ${env.node}, ${env.cores} × ${env.cpu}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
