// Request/reply between agents (Faust's `ask`): a request carries a reply topic and a correlation
// id in its headers; the answering agent sends what it yields for that event back there. Each
// worker reads its own reply topic, created on the first `ask`.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import type { Consumer, KafkaDriver } from '../kafka/index.js';
import type { Event } from '../streams/index.js';
import type { Outbox } from './outbox.js';

export const REPLY_TO_HEADER = 'streamd-reply-to';
export const CORRELATION_HEADER = 'streamd-correlation-id';

export class AskTimeoutError extends StreamdError {
  constructor(agent: string, timeoutMs: number) {
    super('STREAMD_ASK_TIMEOUT', `agent ${agent} did not answer within ${timeoutMs} ms`, { retriable: true });
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface RepliesOptions {
  readonly driver: KafkaDriver;
  readonly outbox: Outbox;
  readonly log: Logger;
  /** `<id>-reply-<worker>`: one topic per worker, one partition. */
  readonly replyTopic: string;
}

export class Replies {
  readonly #options: RepliesOptions;
  readonly #pending = new Map<string, Pending>();
  #consumer: Promise<Consumer> | undefined;
  #isClosed = false;

  constructor(options: RepliesOptions) {
    this.#options = options;
  }

  /** Sends `value` to the agent's topic and waits for the agent's answer. */
  async ask(agent: string, topic: string, value: unknown, options: { key?: unknown; timeoutMs?: number }): Promise<unknown> {
    await (this.#consumer ??= this.#listen());
    const id = randomUUID();
    const timeoutMs = options.timeoutMs ?? 30_000;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AskTimeoutError(agent, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const headers = { [REPLY_TO_HEADER]: this.#options.replyTopic, [CORRELATION_HEADER]: id };
    await this.#options.outbox.send(topic, { value, headers, ...(options.key === undefined ? { rawKey: null } : { key: options.key }) });
    return answer;
  }

  /** If `event` was a request, sends `value` back to the asker and returns true. */
  reply(event: Event, value: unknown): boolean {
    const replyTo = event.headers[REPLY_TO_HEADER];
    const correlation = event.headers[CORRELATION_HEADER];
    if (replyTo === undefined || correlation === undefined) return false;
    const send = this.#options.outbox.send(replyTo.toString(), {
      value: Buffer.from(JSON.stringify(value ?? null)),
      rawKey: null,
      headers: { [CORRELATION_HEADER]: correlation },
      event,
    });
    send.catch((err: unknown) => this.#options.log.warn({ err, replyTo: replyTo.toString() }, 'could not send a reply'));
    return true;
  }

  async #listen(): Promise<Consumer> {
    const { driver, replyTopic } = this.#options;
    const admin = await driver.admin();
    try {
      await admin.createTopics([{ topic: replyTopic, partitions: 1 }]);
    } finally {
      await admin.close();
    }
    const consumer = await driver.consumer({ groupId: replyTopic, autoOffsetReset: 'earliest', maxWaitMs: 100 });
    await consumer.subscribe([replyTopic]);
    await consumer.run((batch) => {
      for (const record of batch.records) {
        const id = record.headers[CORRELATION_HEADER]?.toString();
        const pending = id === undefined ? undefined : this.#pending.get(id);
        if (pending === undefined || id === undefined) continue;
        this.#pending.delete(id);
        clearTimeout(pending.timer);
        try {
          pending.resolve(JSON.parse(record.value?.toString() ?? 'null'));
        } catch (err) {
          pending.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
      return Promise.resolve();
    });
    if (this.#isClosed) await consumer.stop();
    return consumer;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new StreamdError('STREAMD_STOPPING', 'the worker is stopping'));
      this.#pending.delete(id);
    }
    const consumer = await this.#consumer?.catch(() => undefined);
    await consumer?.stop();
  }
}
