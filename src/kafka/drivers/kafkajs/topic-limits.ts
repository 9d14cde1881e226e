// The largest record batch each topic accepts (`max.message.bytes`, which inherits the broker's
// `message.max.bytes` when the topic does not set it), read from the broker once per topic and
// cached for the driver's life. The driver's producers split sends by it (../../record-size.ts).

import type { Admin as KafkajsAdmin, Kafka } from 'kafkajs';
import { ConfigResourceTypes } from './kafkajs.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../record-size.js';

export class TopicLimits {
  readonly #kafka: Kafka;
  readonly #known = new Map<string, number>();
  readonly #reading = new Map<string, Promise<number>>();
  #admin: Promise<KafkajsAdmin> | undefined;
  #closing: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  /** The limit of `topic` if it was read already, else undefined. */
  known(topic: string): number | undefined {
    return this.#known.get(topic);
  }

  /**
   * The limit of `topic`. A topic the broker will not describe (no DescribeConfigs permission, or a
   * read that failed) gets Kafka's default: a limit set lower than it surfaces as the broker's
   * MESSAGE_TOO_LARGE, a higher one only costs more, smaller requests.
   */
  of(topic: string): Promise<number> {
    const known = this.#known.get(topic);
    if (known !== undefined) return Promise.resolve(known);
    let reading = this.#reading.get(topic);
    if (reading === undefined) {
      reading = this.#read(topic)
        .catch(() => DEFAULT_MAX_MESSAGE_BYTES)
        .then((limit) => {
          this.#known.set(topic, limit);
          this.#reading.delete(topic);
          return limit;
        });
      this.#reading.set(topic, reading);
    }
    return reading;
  }

  /** Limits of every topic of `topics`, in one map (each read at most once). */
  async ofAll(topics: Iterable<string>): Promise<Map<string, number>> {
    const unique = [...new Set(topics)];
    const limits = await Promise.all(unique.map((topic) => this.of(topic)));
    return new Map(unique.map((topic, i) => [topic, limits[i]!]));
  }

  async #read(topic: string): Promise<number> {
    if (this.#closing !== undefined) return DEFAULT_MAX_MESSAGE_BYTES;
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = await this.#admin;
    const answer = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = answer.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
    const limit = Number(value);
    return Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_MESSAGE_BYTES;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const admin = await this.#admin?.catch(() => undefined);
      await admin?.disconnect();
    })();
    return this.#closing;
  }
}
