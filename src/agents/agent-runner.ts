// Runs one agent: `concurrency` actors, each iterating the agent's channel with the user's handler;
// or, over a PartitionedChannel (isolatedPartitions), one actor per assigned partition, started when
// its FIFO opens and ended when it is released (revoke), after the previous actor of that partition.
// Faust's error policy: a handler error is logged with topic/partition/offset, its event acked, and
// the actor restarted. A crash loop — more than `maxConsecutiveFailures` failures with no event
// processed in between — crashes the agent, which stops the worker non-zero.

import type { Logger } from 'pino';
import { hasCode, StreamdError } from '../errors/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { Service, SystemClock, isAbortError, type Clock } from '../service/index.js';
import { PartitionedChannel, Stream, StreamOperatorError, type Channel, type Event } from '../streams/index.js';
import { ActorRun, type ActorRunPorts } from './actor-run.js';
import type { Outbox } from './outbox.js';
import type { Agent, AgentRef, HandlerContext, SinkTarget, TopicSender } from './types.js';

export interface AgentRunnerOptions extends ActorRunPorts {
  readonly logger: Logger;
  readonly handler: () => Agent;
  readonly channel: Channel;
  readonly concurrency: number;
  readonly sinks: readonly SinkTarget[];
  readonly metrics: WorkerMetrics;
  readonly topics: Readonly<Record<string, TopicSender>>;
  readonly agents: Readonly<Record<string, AgentRef>>;
  /**
   * The handler's `topics` and `agents` for one run, whose sends belong to the run's current event
   * (its transaction under exactly_once). Default: `topics` and `agents` as they are.
   */
  readonly sendersFor?: (currentEvent: () => Event | undefined) => { readonly topics: Readonly<Record<string, TopicSender>>; readonly agents: Readonly<Record<string, AgentRef>> };
  /** The manifest's in-memory channels; default none. */
  readonly channels?: HandlerContext['channels'];
  /** Sends a yielded value back to whoever asked, when the event was a request (see replies.ts). */
  readonly reply: (event: Event, value: unknown) => boolean;
  /** The table handles of one actor (see src/tables); default none. */
  readonly tables?: (scope: { readonly agent: string; readonly currentEvent: () => Event | undefined }) => HandlerContext['tables'];
  readonly isLeader?: () => boolean;
  /**
   * A handler error that is about the event's data, not the code: a record the handler made (a sink
   * record or a table write) too large for any batch (`STREAMD_RECORD_TOO_LARGE`). Given the event
   * and the error, it applies the event's topic policy (skip, dead-letter: it acks the event) and
   * answers 'stop' when the policy is to stop: the event stays unacked and the agent crashes, so no
   * later event of its partition is processed and nothing is committed past it. Without it, such
   * errors are handled as any handler error.
   */
  readonly onDataError?: (event: Event, error: Error) => 'acked' | 'stop';
  /** Default 10. */
  readonly maxConsecutiveFailures?: number;
  readonly clock?: Clock;
}

export class AgentCrashLoopError extends StreamdError {
  constructor(agent: string, failures: number, cause: unknown) {
    super(
      'STREAMD_AGENT_CRASH_LOOP',
      `agent ${agent} failed ${failures} times in a row without processing an event; stopping the worker. ` +
        'The last error is the cause; fix the handler and start again.',
      { cause },
    );
  }
}

/** First restart after progress is immediate; then 100 ms doubling, at most 10 s. */
function backoffMs(consecutive: number): number {
  return consecutive <= 1 ? 0 : Math.min(100 * 2 ** (consecutive - 2), 10_000);
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

export class AgentRunner extends Service {
  readonly #options: AgentRunnerOptions;
  readonly #clock: Clock;
  #liveActors = 0;
  readonly #events: { count: number };
  readonly #latency: { observe(seconds: number): void };
  readonly #runs = new Set<ActorRun>();
  /** The end of the latest actor of each isolated partition: its successor waits for it. */
  readonly #endings = new Map<string, Promise<void>>();
  #drained: PromiseWithResolversLike | undefined;

  constructor(name: string, options: AgentRunnerOptions) {
    super({ name: `agent ${name}`, logger: options.logger });
    this.#options = options;
    this.#clock = options.clock ?? new SystemClock();
    this.#latency = options.metrics.processingLatency(options.agent);
    this.#events = options.metrics.eventTally(options.agent);
  }

  protected override onStart(): Promise<void> {
    const { channel } = this.#options;
    if (channel instanceof PartitionedChannel) {
      channel.onOpened((partition, fifo) => {
        if (this.state === 'starting' || this.state === 'running') this.#startActor(`${partition.topic}[${partition.partition}]`, fifo);
      });
      return Promise.resolve();
    }
    for (let index = 0; index < this.#options.concurrency; index++) this.#startActor(index, channel);
    return Promise.resolve();
  }

  /** Spawns an actor over `channel`; an isolated partition's actor first waits for its predecessor's end. */
  #startActor(label: number | string, channel: Channel): void {
    const isIsolated = typeof label === 'string';
    const previous = isIsolated ? this.#endings.get(label) : undefined;
    let ended!: () => void;
    const ending = new Promise<void>((resolve) => (ended = resolve));
    if (isIsolated) this.#endings.set(label, ending);
    this.#liveActors += 1;
    this.spawn(`actor ${label}`, async (signal) => {
      try {
        await previous;
        if (isIsolated) this.log.info({ agent: this.#options.agent, actor: label }, 'partition assigned: its actor starts');
        await this.#actor(label, channel, signal);
        if (isIsolated) this.log.info({ agent: this.#options.agent, actor: label }, 'partition released: its actor ended');
      } finally {
        ended();
        if (isIsolated && this.#endings.get(label) === ending) this.#endings.delete(label);
        this.#liveActors -= 1;
        if (this.#liveActors === 0) {
          this.#drained?.resolve();
          this.#drained = undefined;
        }
      }
    });
  }

  /** The channel the actors read (a PartitionedChannel with isolated partitions). */
  get channel(): Channel {
    return this.#options.channel;
  }

  /** Resolves when every actor has ended (the channel was closed and drained, or the agent stopped). */
  whenDrained(): Promise<void> {
    if (this.#liveActors === 0) return Promise.resolve();
    this.#drained ??= withResolvers();
    return this.#drained.promise;
  }

  async #actor(index: number | string, channel: Channel, signal: AbortSignal): Promise<void> {
    const { agent } = this.#options;
    let consecutive = 0;
    while (!signal.aborted) {
      const run = new ActorRun(signal, this.#options, (event) => this.#counted(event));
      this.#runs.add(run);
      try {
        await this.#runOnce(run, index, channel);
        await run.end();
        if (run.failure !== undefined) throw asError(run.failure);
        if (channel.isClosed || signal.aborted) return;
        if (run.isInterrupted) {
          this.log.info({ agent, actor: index }, 'handler reloaded: the actor goes on with the new code');
          consecutive = 0;
          continue;
        }
        this.log.warn({ agent, actor: index }, 'handler returned while its stream was still open; starting it again');
        consecutive = run.hasProgressed ? 1 : consecutive + 1;
        const limit = this.#options.maxConsecutiveFailures ?? 10;
        if (consecutive > limit) throw new AgentCrashLoopError(agent, consecutive, new Error('the handler returns without processing events'));
        const wait = backoffMs(consecutive);
        if (wait > 0) await this.#clock.sleep(wait, signal);
        else await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (err) {
        await run.end();
        if (signal.aborted && isAbortError(err)) return;
        const failure = run.failure ?? err;
        consecutive = run.hasProgressed ? 1 : consecutive + 1;
        const isStop = this.#failed(failure instanceof StreamOperatorError ? failure.event : run.currentEvent, failure, index);
        if (isStop) throw asError(failure);
        const limit = this.#options.maxConsecutiveFailures ?? 10;
        if (consecutive > limit) throw new AgentCrashLoopError(agent, consecutive, failure);
        const wait = backoffMs(consecutive);
        if (wait > 0) await this.#clock.sleep(wait, signal);
      } finally {
        this.#runs.delete(run);
      }
    }
  }

  /** Ends every actor's current run at the next event boundary; each starts again with `handler()`. */
  restartRuns(): void {
    for (const run of this.#runs) run.interrupt();
  }

  async #runOnce(run: ActorRun, index: number | string, channel: Channel): Promise<void> {
    const { handler, sinks, outbox } = this.#options;
    // A record too large to send fails its event under the topic's policy, which decides its ack:
    // hold the event before the stream's own ack releases it as the handler unwinds.
    const guard = (sending: Promise<void>): Promise<void> =>
      sending.catch((err: unknown) => {
        if (hasCode(err, 'STREAMD_RECORD_TOO_LARGE')) run.currentEvent?.hold();
        throw err;
      });
    const senders = this.#options.sendersFor?.(() => run.currentEvent) ?? this.#options;
    const context: HandlerContext = {
      topics: guardSenders(senders.topics, guard),
      agents: guardSenders(senders.agents, guard),
      channels: this.#options.channels ?? {},
      log: this.log.child({ actor: index }),
      signal: run.signal,
      currentEvent: () => run.currentEvent,
      tables: this.#options.tables?.({ agent: this.#options.agent, currentEvent: () => run.currentEvent }) ?? {},
      isLeader: this.#options.isLeader ?? (() => false),
    };
    const result = handler()(new Stream(channel, run), context);
    if (!isAsyncIterable(result)) {
      await result;
      return;
    }
    for await (const value of result) {
      const event = run.currentEvent;
      if (event !== undefined) this.#options.reply(event, value);
      if (sinks.length === 1) await guard(send(outbox, sinks[0]!, value, event));
      else if (sinks.length > 1) await Promise.all(sinks.map((sink) => guard(send(outbox, sink, value, event))));
    }
  }

  /**
   * Counts the event (a tally read at each scrape) and observes its processing latency when it is
   * acked. Wall time, not the injected clock: a latency is a measurement, not a schedule.
   */
  #counted(event: Event): void {
    this.#events.count += 1;
    if (event.isAcked) return;
    const takenMs = performance.now();
    event.whenAcked(() => this.#latency.observe((performance.now() - takenMs) / 1000));
  }

  /** Applies the error policy to a failed event; true when the agent must stop (see `onDataError`). */
  #failed(event: Event | undefined, error: unknown, actor: number | string): boolean {
    const { agent, metrics } = this.#options;
    metrics.handlerError(agent);
    const where =
      event === undefined
        ? {}
        : { topic: event.message.topic, partition: event.message.partition, offset: event.message.offset.toString() };
    if (event !== undefined && this.#options.onDataError !== undefined && hasCode(error, 'STREAMD_RECORD_TOO_LARGE')) {
      return this.#options.onDataError(event, asError(error)) === 'stop';
    }
    this.log.error({ agent, actor, ...where, err: error }, 'handler failed; the event is acked and the actor starts again');
    event?.releaseHold();
    return false;
  }
}

/** The same senders, each send passed through `guard`. */
function guardSenders<T extends Record<string, { send: (...args: never[]) => Promise<void> }>>(senders: T, guard: (sending: Promise<void>) => Promise<void>): T {
  const out: Record<string, unknown> = {};
  for (const [name, sender] of Object.entries(senders)) out[name] = { ...sender, send: (...args: never[]) => guard(sender.send(...args)) };
  return out as T;
}

function send(outbox: Outbox, sink: SinkTarget, value: unknown, event: Event | undefined): Promise<void> {
  if (sink.deliver !== undefined) return sink.deliver(value, event);
  return outbox.send(sink.topic, { value, rawKey: event?.message.key ?? null, ...(event === undefined ? {} : { event }) });
}

interface PromiseWithResolversLike {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function withResolvers(): PromiseWithResolversLike {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
