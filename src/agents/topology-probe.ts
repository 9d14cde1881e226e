// Finds, at boot, the repartition topics and `through` topics an agent's handler will use: the
// handler runs once over a closed, empty stream with an aborted signal, and its groupBy/through
// calls are recorded. The consumer must subscribe to those topics before it starts.

import { pino } from 'pino';
import { Channel, Stream, type StreamEnvironment } from '../streams/index.js';
import type { Agent, HandlerContext } from './types.js';

export interface ProbedTopology {
  readonly groupBys: readonly { readonly name: string; readonly partitions: number | undefined }[];
  readonly throughTopics: readonly string[];
}

const PROBE_DEADLINE_MS = 2000;

/** Runs `handler` over nothing and records what it declares. */
export async function probeAgent(handler: Agent): Promise<ProbedTopology> {
  const groupBys: { name: string; partitions: number | undefined }[] = [];
  const throughTopics: string[] = [];
  const closed = new Channel('probe');
  closed.close();
  const signal = AbortSignal.abort();
  const env: StreamEnvironment = {
    signal,
    send: () => Promise.resolve(),
    repartition: (name, partitions) => {
      groupBys.push({ name, partitions });
      return { topic: name, channel: closed };
    },
    subscription: (topic) => {
      throughTopics.push(topic);
      return closed;
    },
    pump: () => undefined,
    current: () => undefined,
  };
  const noop = {
    send: () => Promise.resolve(),
    ask: () => Promise.resolve(undefined),
    join: () => Promise.resolve([]),
    kvjoin: () => Promise.resolve([]),
    map: async function* () {},
    kvmap: async function* () {},
  };
  const context: HandlerContext = {
    topics: new Proxy({}, { get: () => noop }),
    agents: new Proxy({}, { get: () => noop }),
    channels: new Proxy({}, { get: () => noop }),
    log: pino({ level: 'silent' }),
    signal,
    currentEvent: () => undefined,
    tables: {},
    isLeader: () => false,
  };
  const run = async (): Promise<void> => {
    const result = handler(new Stream(closed, env), context);
    if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
      for await (const _ of result) {
        // A handler that yields without reading its stream has nothing more to declare.
        break;
      }
    } else {
      await result;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, PROBE_DEADLINE_MS)));
  try {
    // Errors in the probe run are the handler's business at run time, not a boot failure.
    await Promise.race([run().catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return { groupBys, throughTopics };
}
