// One transactional producer per task (task-ids.ts): the price of exactly_once without KIP-447.
// Created when the task is assigned (which fences the task's earlier owner and makes the broker end
// its open transaction), kept across rebalances while the task stays, closed when it leaves, and
// discarded (closed without committing) when its transaction failed.

import type { Logger } from 'pino';
import type { KafkaDriver, TransactionalProducer } from '../../kafka/index.js';
import type { TaskIds } from './task-ids.js';

export interface TaskProducersOptions {
  readonly driver: KafkaDriver;
  readonly ids: TaskIds;
  readonly log: Logger;
  readonly transactionTimeoutMs: number;
}

export class TaskProducers {
  readonly #options: TaskProducersOptions;
  readonly #producers = new Map<string, TransactionalProducer>();
  #assigning: Promise<unknown> = Promise.resolve();

  constructor(options: TaskProducersOptions) {
    this.#options = options;
  }

  /** Transactional producers held now. */
  get count(): number {
    return this.#producers.size;
  }

  /** The task's producer; undefined when the task is not held (left, or discarded after a failure). */
  get(task: string): TransactionalProducer | undefined {
    return this.#producers.get(task);
  }

  /**
   * Makes the held producers exactly those of `tasks`: closes the others, creates the missing ones.
   * Resolves when every new producer has fenced the task's earlier owner.
   */
  assign(tasks: ReadonlySet<string>): Promise<void> {
    // One assignment at a time: two overlapping ones would each create a task's producer, and the
    // second would fence the first.
    const next = this.#assigning.then(() => this.#assign(tasks));
    this.#assigning = next.catch(() => undefined);
    return next;
  }

  async #assign(tasks: ReadonlySet<string>): Promise<void> {
    const { ids, driver, log, transactionTimeoutMs } = this.#options;
    const leaving = [...this.#producers.keys()].filter((task) => !tasks.has(task));
    for (const task of leaving) this.discard(task);
    const created = [...tasks].filter((task) => !this.#producers.has(task));
    await Promise.all(
      created.map(async (task) => {
        const producer = await driver.transactionalProducer(ids.transactionalId(task), { transactionTimeoutMs });
        this.#producers.set(task, producer);
      }),
    );
    // Every assignment says it, also one that changed nothing: the count is what the operator watches.
    log.info(
      { transactionalProducers: this.#producers.size, created: created.length, closed: leaving.length, kept: tasks.size - created.length, transactionTimeoutMs },
      `exactly_once: this worker holds ${this.#producers.size} transactional producers (one per assigned task: ${created.length} created, ${leaving.length} closed)`,
    );
  }

  /** Closes the task's producer without committing; the task gets a new one when it is assigned again. */
  discard(task: string): void {
    const producer = this.#producers.get(task);
    if (producer === undefined) return;
    this.#producers.delete(task);
    producer.close().catch((err: unknown) => this.#options.log.debug({ err, task }, 'closing a transactional producer failed'));
  }

  async close(): Promise<void> {
    const producers = [...this.#producers.values()];
    this.#producers.clear();
    await Promise.allSettled(producers.map((p) => p.close()));
  }
}
