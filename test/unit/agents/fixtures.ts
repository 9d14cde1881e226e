// Test doubles for the agent tests: an Outbox that keeps what it was given, an AgentRunner built
// over fakes at its ports (silent or capturing logger, metrics without defaults, ManualClock), and
// small readers for the metrics and logs.

import { pino, type Logger } from 'pino';
import { AgentRunner, type Agent, type AgentRunnerOptions, type Outbox, type OutboxMessage } from '../../../src/agents/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { ManualClock } from '../../../src/service/index.js';
import { Channel, type Event } from '../../../src/streams/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { Delivery } from '../streams/fixtures.js';

export { Delivery, isSettled } from '../streams/fixtures.js';

export const WAIT = { timeoutMs: 5_000, intervalMs: 1 } as const;

export class FakeOutbox implements Outbox {
  readonly sent: { topic: string; message: OutboxMessage }[] = [];
  /** Replaces the default (record and resolve). */
  onSend: ((topic: string, message: OutboxMessage) => Promise<void>) | undefined;

  send(topic: string, message: OutboxMessage): Promise<void> {
    this.sent.push({ topic, message });
    return this.onSend === undefined ? Promise.resolve() : this.onSend(topic, message);
  }

  to(topic: string): OutboxMessage[] {
    return this.sent.filter((s) => s.topic === topic).map((s) => s.message);
  }
}

/** One parsed log line. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

export interface Harness {
  readonly runner: AgentRunner;
  readonly channel: Channel;
  readonly delivery: Delivery;
  readonly outbox: FakeOutbox;
  readonly metrics: WorkerMetrics;
  readonly clock: ManualClock;
  readonly replies: [Event, unknown][];
  readonly lines: LogLine[];
  /** How many runs have started (each calls `handler()` once). */
  readonly runs: () => number;
}

/** Options of the runner, plus `handle`: the one handler every run uses (else `handler` picks it per run). */
export type HarnessOptions = Partial<AgentRunnerOptions> & { readonly handle?: Agent };

/** An AgentRunner named `a` over fakes; not started. */
export function harness(options: HarnessOptions): Harness {
  const channel = options.channel ?? new Channel('agent a');
  const outbox = new FakeOutbox();
  const metrics = new WorkerMetrics({ withDefaults: false });
  const clock = new ManualClock();
  const replies: [Event, unknown][] = [];
  const { logger, lines } = captureLogger();
  let runs = 0;
  const { handle, handler, ...rest } = options;
  const current = handler ?? ((): Agent => handle ?? (() => Promise.resolve()));
  const runner = new AgentRunner('a', {
    logger,
    agent: 'a',
    outbox,
    repartitions: new Map(),
    subscriptions: new Map(),
    channel,
    concurrency: 1,
    sinks: [],
    metrics,
    topics: {},
    agents: {},
    reply: (event, value) => {
      replies.push([event, value]);
      return true;
    },
    clock,
    ...rest,
    handler: () => {
      runs += 1;
      return current();
    },
  });
  return { runner, channel, delivery: new Delivery(), outbox, metrics, clock, replies, lines, runs: () => runs };
}

/** The value of a counter for agent `a`, 0 when never incremented. */
export async function counter(metrics: WorkerMetrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.filter((v) => v.labels['agent'] === 'a').reduce((sum, v) => sum + v.value, 0);
}

/** Waits (with a deadline) until every actor of `runner` has ended. */
export async function whenDrained(runner: AgentRunner, timeoutMs = WAIT.timeoutMs): Promise<void> {
  let isDrained = false;
  void runner.whenDrained().then(() => (isDrained = true));
  await waitFor(() => isDrained, { timeoutMs, intervalMs: 1, message: 'every actor to end' });
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** A promise with its resolve function. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
