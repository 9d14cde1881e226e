// Shared set-up of the pipeline end-to-end tests: the real broker from STREAMD_TEST_KAFKA, the
// fixture app under a fresh app id, input orders, and a reader of the app's output topic.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { createDriver, type Admin, type KafkaDriver, type ProducerRecord } from '../../../src/kafka/index.js';
import { collectRecords, type RecordCollector } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { repoPath } from '../../kafka/repo-root.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import { groupProgress, sumProgress, waitCommittedToEnd, type PartitionProgress } from './group-progress.js';

export const MANIFEST = repoPath('test', 'fixtures', 'apps', 'e2e', 'app.yaml');

export function brokerAddress(): string {
  const address = process.env['STREAMD_TEST_KAFKA'];
  if (address === undefined || address === '') {
    throw new Error('STREAMD_TEST_KAFKA is not set: run through npm test, or set STREAMD_TEST_KAFKA=host:port (npm run kafka starts a broker)');
  }
  return address;
}

export interface Order {
  readonly id: number;
  readonly user: string;
  readonly amount: number;
}

export function order(id: number): Order {
  return { id, user: `user-${id % 97}`, amount: id % 250 };
}

/** Ids the pipeline keeps (it drops ids ending in 7), minus those `failOneIn` makes the handler throw on. */
export function expectedIds(count: number, failOneIn = 0): number[] {
  return Array.from({ length: count }, (_, id) => id).filter((id) => id % 10 !== 7 && !(failOneIn > 0 && id % failOneIn === failOneIn - 1));
}

export class PipelineApp {
  readonly appId = uniqueName('e2e');
  /** Topic names of this app alone, so tests sharing a broker never read each other's records. */
  readonly input = `orders_${this.appId.replace(/-/g, '_')}`;
  readonly outputTopic = `${this.input}_out`;
  readonly manifest = repoPath('test', 'fixtures', 'apps', 'e2e', `generated-${this.appId}.yaml`);
  readonly driver: KafkaDriver = createDriver(`kafka://${brokerAddress()}`);
  readonly #daemons: Daemon[] = [];
  #admin: Admin | undefined;

  get env(): Record<string, string> {
    return { APP_ID: this.appId, STREAMD_BROKER: `kafka://${brokerAddress()}` };
  }

  async admin(): Promise<Admin> {
    return (this.#admin ??= await this.driver.admin());
  }

  /** Creates the input and output topics (as the daemon would) so input can be loaded first. */
  async createTopics(): Promise<void> {
    const admin = await this.admin();
    await admin.createTopics([
      { topic: this.input, partitions: 4 },
      { topic: this.outputTopic, partitions: 4 },
    ]);
  }

  async produce(records: readonly ProducerRecord[]): Promise<void> {
    const producer = await this.driver.producer();
    for (let i = 0; i < records.length; i += 10_000) await producer.send(records.slice(i, i + 10_000));
    await producer.close();
  }

  async produceOrders(count: number): Promise<void> {
    await this.produce(Array.from({ length: count }, (_, id) => ({ topic: this.input, key: Buffer.from(`order-${id}`), value: Buffer.from(JSON.stringify(order(id))) })));
  }

  /** Writes this app's copy of the fixture manifest, with its own topic names, beside the fixture. */
  async #writeManifest(): Promise<void> {
    const text = await readFile(MANIFEST, 'utf8');
    await writeFile(this.manifest, text.replace(/\borders_out\b/g, this.outputTopic).replace(/\borders\b(?!_)/g, this.input));
  }

  async start(options: Partial<DaemonOptions> = {}): Promise<Daemon> {
    await this.#writeManifest();
    const daemon = await Daemon.start({ manifest: this.manifest, ...options, env: { ...this.env, ...options.env } });
    this.#daemons.push(daemon);
    return daemon;
  }

  async output(): Promise<RecordCollector> {
    const consumer = await this.driver.consumer({ groupId: uniqueName('reader'), maxWaitMs: 100, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });
    return collectRecords(consumer, [this.outputTopic]);
  }

  /** Sum over partitions of committed offsets (absent = 0) and of end offsets, and each partition's. */
  async progress(topic: string): Promise<{ committed: bigint; end: bigint; perPartition: PartitionProgress[] }> {
    const perPartition = await groupProgress(await this.admin(), this.appId, topic);
    return { ...sumProgress(perPartition), perPartition };
  }

  async waitCommittedToEnd(topic: string, timeoutMs: number): Promise<void> {
    await waitCommittedToEnd(await this.admin(), this.appId, topic, timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.#daemons.map((d) => d.kill9().catch(() => undefined)));
    await this.#admin?.close();
    await this.driver.close();
    await rm(this.manifest, { force: true });
  }
}

/** The ids in the output records and how often each occurs. */
export function outputIds(collector: RecordCollector): { ids: Set<number>; duplicates: number } {
  const ids = new Set<number>();
  let duplicates = 0;
  for (const record of collector.records) {
    const id = (JSON.parse(record.value!.toString()) as { id: number }).id;
    if (ids.has(id)) duplicates++;
    ids.add(id);
  }
  return { ids, duplicates };
}
