// The topics that the agents' topic patterns match: listed when the consumer subscribes, and again
// every topicPatternRefreshIntervalMs by the stream source, which rejoins the group when a new one
// matches (kafkajs, like the embedded broker, resolves a pattern only when it subscribes).

import type { Logger } from 'pino';
import type { KafkaDriver } from '../kafka/index.js';

export class PatternWatch {
  readonly #driver: KafkaDriver;
  readonly #patterns: readonly RegExp[];
  readonly #log: Logger;
  /** What the patterns matched when the current member subscribed. */
  #subscribed = new Set<string>();

  constructor(driver: KafkaDriver, patterns: readonly RegExp[], log: Logger) {
    this.#driver = driver;
    this.#patterns = patterns;
    this.#log = log;
  }

  get patterns(): readonly RegExp[] {
    return this.#patterns;
  }

  /**
   * Notes what the patterns match now, just before a member subscribes with them: a topic created
   * between this listing and the subscribe is then seen as new once, which costs one extra rejoin
   * rather than a topic never read.
   */
  async subscribing(): Promise<void> {
    this.#subscribed = new Set(await this.#matching());
    this.#log.info({ patterns: this.#patterns.map((p) => p.source), topics: [...this.#subscribed].sort() }, `topic patterns match ${this.#subscribed.size} topics`);
  }

  /** Matching topics the current member did not subscribe to. */
  async added(): Promise<string[]> {
    return (await this.#matching()).filter((topic) => !this.#subscribed.has(topic)).sort();
  }

  async #matching(): Promise<string[]> {
    const admin = await this.#driver.admin();
    try {
      return (await admin.listTopics()).filter((topic) => this.#patterns.some((pattern) => pattern.test(topic)));
    } finally {
      await admin.close();
    }
  }
}
