// A table written straight from a topic keyed by raw UTF-8 strings (Faust's `counts[url] += n`, no
// groupBy), with the topic produced by a plain kafkajs producer as another client would (Java's
// murmur2 partitioner): every key answers GET /tables/:t/keys/:k with its true count from either of
// two workers; a record on a partition its key does not hash to is warned about; a tombstone is a
// decode error unless the topic declares nullValues; and a changelog written in the old JSON key
// encoding recovers into the new one, in a fresh worker and in a standby taking over.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
// eslint-disable-next-line no-restricted-imports -- another client's producer, as users have: the point is its partitioner, not ours
import { Kafka, logLevel, type Producer } from 'kafkajs';
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
const TABLE = 'click_counts';

/** One app of the raw-keys fixture: its topic, workers (each with its own datadir) and a kafkajs producer. */
class RawKeysApp {
  readonly appId = uniqueName('e2e-raw-keys');
  readonly topic = `clicks_${this.appId.replace(/-/g, '_')}`;
  readonly changelog = `${this.appId}-${TABLE}-changelog`;
  readonly manifest = repoPath('test', 'fixtures', 'apps', 'raw-keys', `generated-${this.appId}.yaml`);
  readonly driver = createDriver(`kafka://${brokerAddress()}`);
  readonly daemons: Daemon[] = [];
  #root: string | undefined;
  #admin: Admin | undefined;
  #producer: Producer | undefined;

  async setUp(): Promise<Admin> {
    const text = await readFile(repoPath('test', 'fixtures', 'apps', 'raw-keys', 'app.yaml'), 'utf8');
    await writeFile(this.manifest, text.replace(/\bclicks\b/g, this.topic));
    this.#root = await mkdtemp(join(tmpdir(), `${this.appId}-`));
    this.#admin = await this.driver.admin();
    await this.#admin.createTopics([{ topic: this.topic, partitions: PARTITIONS }]);
    return this.#admin;
  }

  /** Another client's producer: kafkajs's default partitioner is Java's (murmur2 over the key bytes). */
  async producer(): Promise<Producer> {
    if (this.#producer === undefined) {
      this.#producer = new Kafka({ clientId: 'another-client', brokers: [brokerAddress()], logLevel: logLevel.NOTHING }).producer();
      await this.#producer.connect();
    }
    return this.#producer;
  }

  async start(name: string, env: Readonly<Record<string, string>> = {}): Promise<Daemon> {
    const daemon = await Daemon.start({
      manifest: this.manifest,
      args: ['--web-host', '127.0.0.1'],
      env: { APP_ID: this.appId, STREAMD_BROKER: `kafka://${brokerAddress()}`, STREAMD_DATADIR: join(this.#root!, name), ...env },
    });
    this.daemons.push(daemon);
    return daemon;
  }

  async waitCommittedToEnd(): Promise<void> {
    await waitCommittedToEnd(this.#admin!, this.appId, this.topic, 90_000);
  }

  async close(): Promise<void> {
    await Promise.all(this.daemons.map((d) => d.kill9().catch(() => undefined)));
    await this.#producer?.disconnect().catch(() => undefined);
    await this.#admin?.close().catch(() => undefined);
    await this.driver.close().catch(() => undefined);
    await rm(this.manifest, { force: true });
    if (this.#root !== undefined) await rm(this.#root, { recursive: true, force: true });
  }
}

/** Waits until every daemon processes a share of the app's topic, and together all of it. */
async function waitSharing(app: RawKeysApp, daemons: readonly Daemon[]): Promise<void> {
  await waitFor(
    () => {
      const ready = daemons.map((d) => assignments(d).at(-1)).map((last) => (last?.readyAt === undefined ? [] : partitionsOf(app.topic, last.partitions)));
      return ready.every((partitions) => partitions.length > 0) && new Set(ready.flat()).size === PARTITIONS;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: () => `${daemons.length} workers processing ${app.topic}:\n${daemons.map((d) => d.tail(5)).join('\n')}` },
  );
}

async function readKey(daemon: Daemon, key: string): Promise<{ status: number; body: { value?: unknown; code?: string } }> {
  const response = await fetch(`${daemon.url}/tables/${TABLE}/keys/${encodeURIComponent(key)}`);
  return { status: response.status, body: (await response.json()) as { value?: unknown; code?: string } };
}

/** Every key of the table's partitions on `daemon`, paged `limit` at a time with the `after` cursor. */
async function pageAllKeys(daemon: Daemon, limit: number): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const query = `limit=${limit}${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
    const response = await fetch(`${daemon.url}/tables/${TABLE}?${query}`);
    assert.equal(response.status, 200, `GET /tables/${TABLE}?${query}`);
    const body = (await response.json()) as { entries: { key: string }[]; next?: string };
    assert.ok(body.entries.length <= limit, 'a page holds at most limit entries');
    keys.push(...body.entries.map((e) => e.key));
    if (body.next === undefined) return keys;
    after = body.next;
  }
  throw new Error('paging did not end');
}

/** The keys of `truth` whose answer (from a random worker) is not 200 with the true count; logs how many were right. */
async function wrongAnswers(label: string, daemons: readonly Daemon[], truth: ReadonlyMap<string, number>, random: SeededRandom): Promise<string[]> {
  const wrong: string[] = [];
  for (const [key, count] of truth) {
    const { status, body } = await readKey(random.pick(daemons), key);
    if (status !== 200 || body.value !== count) wrong.push(`${key}: ${status} ${JSON.stringify(body)} (true count ${count})`);
  }
  console.log(`seed ${random.seed}, ${label}: ${truth.size - wrong.length} of ${truth.size} keys answered with their true count`);
  return wrong;
}

describe('a table written straight from a topic keyed by raw strings', () => {
  const apps: RawKeysApp[] = [];
  after(() => Promise.all(apps.map((app) => app.close())));

  it('answers every key with its true count from either worker, skips a tombstone, and warns of a record on the wrong partition', { timeout: 240_000 }, async () => {
    const random = new SeededRandom(Number(process.env['STREAMD_TEST_SEED'] ?? Date.now() % 1_000_000));
    const app = new RawKeysApp();
    apps.push(app);
    await app.setUp();
    const daemons = [await app.start('a'), await app.start('b')];
    await waitSharing(app, daemons);

    const truth = new Map<string, number>();
    const messages: { key: string; value: string | null }[] = Array.from({ length: 4000 }, () => {
      const url = `https://example.com/page/${random.int(0, 399)}?ref=${random.int(0, 2)}`;
      const count = random.int(1, 3);
      truth.set(url, (truth.get(url) ?? 0) + count);
      return { key: url, value: JSON.stringify(count) };
    });
    // A tombstone on a topic without nullValues: a decode error (skipped, counted), never a null in the handler.
    messages.push({ key: messages[0]!.key, value: null });
    const producer = await app.producer();
    await producer.send({ topic: app.topic, messages });
    await app.waitCommittedToEnd();

    const wrong = await wrongAnswers('two workers', daemons, truth, random);
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${truth.size} keys not answered right`);
    // Paging each worker's local partitions with a cursor gives every key once, across both workers.
    const paged = new Map<string, unknown>();
    for (const daemon of daemons) {
      for (const key of await pageAllKeys(daemon, 37)) {
        assert.ok(!paged.has(key), `${key} paged twice`);
        paged.set(key, true);
      }
    }
    assert.deepEqual([...paged.keys()].sort(), [...truth.keys()].sort(), 'the pages of both workers hold every key exactly once');
    let decodeErrors = 0;
    for (const daemon of daemons) decodeErrors += await daemon.counter('streamd_decode_errors_total', { topic: app.topic, policy: 'skip' });
    assert.equal(decodeErrors, 1, 'the tombstone was one decode error');

    // A producer with another partitioner (librdkafka's consistent_random) puts a key elsewhere: warned once.
    const misplaced = 'https://example.com/misplaced';
    const home = partitionForKey(Buffer.from(misplaced), PARTITIONS);
    const elsewhere = (home + 1) % PARTITIONS;
    await producer.send({ topic: app.topic, messages: [{ key: misplaced, value: '1', partition: elsewhere }] });
    const warning = await waitFor(
      () => daemons.flatMap((d) => d.logs()).find((line) => String(line['msg']).startsWith('table key on a partition its key does not hash to') && line['table'] === TABLE),
      { timeoutMs: 30_000, intervalMs: 100, message: () => `the misplaced-key warning:\n${daemons.map((d) => d.tail(10)).join('\n')}` },
    );
    assert.equal(warning['partition'], elsewhere);
    assert.equal(warning['keyPartition'], home);
    assert.match(String(warning['hint']), /murmur2/);
    for (const daemon of daemons) assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  });

  it('recovers a changelog written in the old JSON key encoding, and deletes a key on a tombstone when the topic declares nullValues', { timeout: 240_000 }, async () => {
    const random = new SeededRandom(Number(process.env['STREAMD_TEST_SEED'] ?? Date.now() % 1_000_000));
    const app = new RawKeysApp();
    apps.push(app);
    const admin = await app.setUp();
    // The changelog as an earlier streamd left it for this table: JSON keys (quotes included), no key-encoding
    // header, on the partition the source record came from; one key deleted by a tombstone since.
    await admin.createTopics([{ topic: app.changelog, partitions: PARTITIONS, config: { 'cleanup.policy': 'compact' } }]);
    const truth = new Map<string, number>();
    for (let i = 0; i < 200; i++) truth.set(`/old/${i}`, random.int(1, 50));
    const deleted = '/old/deleted';
    const legacy = (key: string, value: number | null): { topic: string; partition: number; key: Buffer; value: Buffer | null } => ({
      topic: app.changelog,
      partition: partitionForKey(Buffer.from(key), PARTITIONS),
      key: Buffer.from(JSON.stringify(key)),
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
    });
    const producer = await app.driver.producer();
    try {
      await producer.send([...[...truth].map(([key, count]) => legacy(key, count)), legacy(deleted, 7), legacy(deleted, null)]);
    } finally {
      await producer.close();
    }

    const nullValues = { NULL_VALUES: 'true' };
    const first = await app.start('first', nullValues);
    const peer = await app.start('peer', nullValues);
    await waitSharing(app, [first, peer]);
    assert.deepEqual(await wrongAnswers('recovered from old-format records', [first, peer], truth, random), []);
    assert.equal((await readKey(first, deleted)).status, 404, 'the key the old tombstone deleted');

    // New clicks add to the recovered counts (the same keys, not a second copy of them); a tombstone deletes one.
    const gone = '/old/0';
    await (await app.producer()).send({
      topic: app.topic,
      messages: [...[...truth.keys()].map((key) => ({ key, value: '1' })), { key: gone, value: null }],
    });
    for (const [key, count] of truth) truth.set(key, count + 1);
    truth.delete(gone);
    await app.waitCommittedToEnd();
    assert.deepEqual(await wrongAnswers('after new clicks', [first, peer], truth, random), []);
    assert.equal((await readKey(first, gone)).status, 404, 'the key the topic tombstone deleted');

    // first stops; peer takes its partitions over from the stores it kept warm as their standby.
    const standbys = peer.logs().filter((l) => l['msg'] === 'following table partition as a standby' && l['table'] === TABLE);
    assert.ok(standbys.length > 0, `peer followed some partitions as a standby:\n${peer.tail(10)}`);
    const stoppedAt = Date.now();
    assert.deepEqual(await first.terminate(), { code: 0, signal: null }, first.tail());
    await waitFor(() => {
      const last = assignments(peer).at(-1);
      return last !== undefined && last.time >= stoppedAt && last.readyAt !== undefined && partitionsOf(app.topic, last.partitions).length === PARTITIONS;
    }, { timeoutMs: 60_000, intervalMs: 100, message: () => `peer processing every partition:\n${peer.tail(10)}` });
    assert.deepEqual(await wrongAnswers('from the standby after a stop', [peer], truth, random), []);
    assert.equal((await readKey(peer, gone)).status, 404, 'the deleted key on the former standby');
    assert.deepEqual(await peer.terminate(), { code: 0, signal: null }, peer.tail());

    // A worker with an empty datadir recovers the mixed changelog (old JSON keys, new raw keys, tombstones).
    const second = await app.start('second', nullValues);
    assert.deepEqual(await wrongAnswers('recovered from old and new records', [second], truth, random), []);
    assert.equal((await readKey(second, gone)).status, 404, 'the deleted key after recovery');
    assert.deepEqual(await second.terminate(), { code: 0, signal: null }, second.tail());
  });
});
