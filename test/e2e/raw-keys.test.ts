// A table written straight from a topic keyed by raw UTF-8 strings (Faust's `counts[url] += n`, no
// groupBy), with the topic produced by a plain kafkajs producer as another client would (Java's
// murmur2 partitioner): every key answers GET /tables/:t/keys/:k with its true count from either of
// two workers. A record produced to a partition its key does not hash to is warned about.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createDriver, partitionForKey, type Admin } from '../../src/kafka/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { repoPath } from '../kafka/repo-root.js';
import { assignments, partitionsOf } from './helpers/cluster-app.js';
import { Daemon } from './helpers/daemon.js';
import { waitCommittedToEnd } from './helpers/group-progress.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const PARTITIONS = 4;
const URLS = 400;
const CLICKS = 4000;
const TABLE = 'click_counts';

describe('a table written straight from a topic keyed by raw strings', () => {
  const appId = uniqueName('e2e-raw-keys');
  const topic = `clicks_${appId.replace(/-/g, '_')}`;
  const manifest = repoPath('test', 'fixtures', 'apps', 'raw-keys', `generated-${appId}.yaml`);
  const driver = createDriver(`kafka://${brokerAddress()}`);
  const kafka = new Kafka({ clientId: 'another-client', brokers: [brokerAddress()], logLevel: logLevel.NOTHING });
  const daemons: Daemon[] = [];
  let root: string | undefined;
  let admin: Admin | undefined;

  after(async () => {
    await Promise.all(daemons.map((d) => d.kill9().catch(() => undefined)));
    await admin?.close().catch(() => undefined);
    await driver.close().catch(() => undefined);
    await rm(manifest, { force: true });
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('answers every key with its true count from either worker, and warns of a record on the wrong partition', { timeout: 240_000 }, async () => {
    const seed = Number(process.env['STREAMD_TEST_SEED'] ?? Date.now() % 1_000_000);
    const random = new SeededRandom(seed);
    const text = await readFile(repoPath('test', 'fixtures', 'apps', 'raw-keys', 'app.yaml'), 'utf8');
    await writeFile(manifest, text.replace(/\bclicks\b/g, topic));
    root = await mkdtemp(join(tmpdir(), `${appId}-`));
    admin = await driver.admin();
    await admin.createTopics([{ topic, partitions: PARTITIONS }]);
    for (const name of ['a', 'b']) {
      daemons.push(
        await Daemon.start({
          manifest,
          args: ['--web-host', '127.0.0.1'],
          env: { APP_ID: appId, STREAMD_BROKER: `kafka://${brokerAddress()}`, STREAMD_DATADIR: join(root, name) },
        }),
      );
    }
    await waitFor(() => daemons.every((d) => partitionsOf(topic, assignments(d).at(-1)?.partitions ?? []).length > 0 && assignments(d).at(-1)?.readyAt !== undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: () => `both workers processing a share of ${topic}:\n${daemons.map((d) => d.tail(5)).join('\n')}`,
    });

    // Another client's producer: kafkajs's default partitioner is Java's (murmur2 over the key bytes).
    const truth = new Map<string, number>();
    const messages = Array.from({ length: CLICKS }, () => {
      const url = `https://example.com/page/${random.int(0, URLS - 1)}?ref=${random.int(0, 2)}`;
      const count = random.int(1, 3);
      truth.set(url, (truth.get(url) ?? 0) + count);
      return { key: url, value: JSON.stringify(count) };
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages });
      await waitCommittedToEnd(admin, appId, topic, 90_000);

      let wrong = 0;
      const failures: string[] = [];
      for (const [url, count] of truth) {
        const daemon = random.pick(daemons);
        const response = await fetch(`${daemon.url}/tables/${TABLE}/keys/${encodeURIComponent(url)}`);
        const body = (await response.json()) as { value?: unknown; code?: string };
        if (response.status !== 200 || body.value !== count) {
          wrong += 1;
          if (failures.length < 5) failures.push(`${url}: ${response.status} ${JSON.stringify(body)} (true count ${count})`);
        }
      }
      console.log(`seed ${seed}: ${truth.size - wrong} of ${truth.size} keys answered with their true count`);
      assert.equal(wrong, 0, `seed ${seed}: ${wrong} of ${truth.size} keys not answered right, e.g.\n${failures.join('\n')}`);

      // A producer with another partitioner (librdkafka's consistent_random) puts a key elsewhere: warned once.
      const misplaced = 'https://example.com/misplaced';
      const home = partitionForKey(Buffer.from(misplaced), PARTITIONS);
      const elsewhere = (home + 1) % PARTITIONS;
      await producer.send({ topic, messages: [{ key: misplaced, value: '1', partition: elsewhere }] });
      const warning = await waitFor(
        () => daemons.flatMap((d) => d.logs()).find((line) => line['msg'] === 'table key on a partition its key does not hash to' && line['table'] === TABLE),
        { timeoutMs: 30_000, intervalMs: 100, message: () => `the misplaced-key warning:\n${daemons.map((d) => d.tail(10)).join('\n')}` },
      );
      assert.equal(warning['partition'], elsewhere);
      assert.equal(warning['keyPartition'], home);
      assert.match(String(warning['hint']), /murmur2/);
    } finally {
      await producer.disconnect();
    }
    for (const daemon of daemons) assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  });
});
