// The parts of the handler API that are not plain topic sends: in-memory channels and their agents,
// agent references with map/kvmap/join/kvjoin, and sinks that are a channel-fed agent or a function.
// Built by the service tree before its agent runners; the runners register the Channel each
// channel-fed agent reads.

import { MemoryChannels, agentRef, type AgentRef, type MemoryChannelSpec, type OutboxMessage, type Replies, type SendOptions, type SinkTarget } from '../agents/index.js';
import { ConfigError } from '../errors/index.js';
import type { AgentDeclaration, Manifest } from '../manifest/index.js';
import { createTopicCodecs } from '../models/index.js';
import type { Channel, Event } from '../streams/index.js';
import type { CodecBook } from './codec-book.js';
import type { Worker } from './worker.js';

/** A function sink (`./file.ts#export`): called with each value the agent yields, and the event it yielded for. */
export type SinkHandler = (value: unknown, event: Event | undefined) => unknown;

export interface FaustWiring {
  readonly memory: MemoryChannels;
  readonly agents: Record<string, AgentRef>;
  /** Registers the Channel a channel-fed agent reads (its runner's main channel). */
  readonly readChannel: (agent: AgentDeclaration, channel: Channel) => void;
  readonly sinksOf: (agent: AgentDeclaration) => SinkTarget[];
}

export interface FaustWiringInput {
  readonly manifest: Manifest;
  readonly book: CodecBook;
  readonly worker: Worker;
  readonly replies: Replies;
  /** Loaded function sinks, by the text the manifest gives them (`./sinks.ts#collect`). */
  readonly sinkHandlers: ReadonlyMap<string, SinkHandler>;
}

/** The outbox message of a handler's send: its key (or no key), headers, partition and timestamp. */
export function outboxMessage(value: unknown, options: SendOptions = {}): OutboxMessage {
  const { key, headers, partition, timestamp } = options;
  return {
    value,
    ...(key === undefined ? { rawKey: null } : { key }),
    ...(headers === undefined ? {} : { headers }),
    ...(partition === undefined ? {} : { partition }),
    ...(timestamp === undefined ? {} : { timestamp }),
  };
}

/** The valueType check of a channel: the value as a topic of that type would carry it (defaults filled in). */
function admitOf(manifest: Manifest, book: CodecBook, name: string): MemoryChannelSpec['admit'] {
  const type = manifest.channels.get(name)?.valueType;
  if (type === undefined) return undefined;
  const codec = createTopicCodecs({ valueType: type.name, models: book.models }).value;
  return (value) => codec.decode(codec.encode(value));
}

export function wireFaustApi(input: FaustWiringInput): FaustWiring {
  const { manifest, book, worker, replies } = input;
  const readers = new Map<string, Channel>();
  const specs = new Map<string, MemoryChannelSpec>();
  for (const name of manifest.channels.keys()) {
    const admit = admitOf(manifest, book, name);
    specs.set(name, { get channel() { return readers.get(name); }, ...(admit === undefined ? {} : { admit }) });
  }
  const memory = new MemoryChannels(specs);

  const agents: Record<string, AgentRef> = {};
  for (const declaration of manifest.agents.values()) {
    const channel = declaration.channel;
    if (channel !== undefined) {
      agents[declaration.name] = agentRef({
        send: (value, options = {}) => memory.send(channel, value, options.key),
        ask: (value, options = {}) => memory.ask(channel, value, options),
      });
      continue;
    }
    const topic = declaration.topics[0]!;
    if (manifest.topics.get(topic)?.pattern !== undefined) {
      const refuse = (): Promise<never> => Promise.reject(patternWriteError(`agent ${declaration.name}`, topic));
      agents[declaration.name] = agentRef({ send: refuse, ask: refuse });
      continue;
    }
    agents[declaration.name] = agentRef({
      send: (value, options) => worker.send(topic, outboxMessage(value, options)),
      ask: (value, options = {}) => replies.ask(declaration.name, topic, value, options),
    });
  }

  const sinksOf = (declaration: AgentDeclaration): SinkTarget[] =>
    declaration.sinks.map((sink): SinkTarget => {
      if (sink.kind === 'topic') return { kind: 'topic', name: sink.name, topic: sink.name };
      if (sink.kind === 'handler') {
        const handler = input.sinkHandlers.get(sink.name);
        if (handler === undefined) throw new ConfigError(`agent ${declaration.name}: no function was loaded for sink ${sink.name}`);
        return { kind: 'handler', name: sink.name, topic: '', deliver: async (value, event) => { await handler(value, event); } };
      }
      const target = manifest.agents.get(sink.name)!;
      const channel = target.channel;
      if (channel === undefined) return { kind: 'agent', name: sink.name, topic: target.topics[0]! };
      return { kind: 'agent', name: sink.name, topic: '', deliver: (value, event) => memory.send(channel, value, event?.key) };
    });

  return {
    memory,
    agents,
    readChannel: (agent, channel) => {
      if (agent.channel !== undefined) readers.set(agent.channel, channel);
    },
    sinksOf,
  };
}

/** A send to a pattern topic (or to the agent that reads one): there is no one topic to write. */
export function patternWriteError(target: string, topic: string): ConfigError {
  return new ConfigError(`cannot send to ${target}: "${topic}" is a topic pattern, which stands for topics other programs write; send to a topic declared by its name`);
}
