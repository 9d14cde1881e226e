// The handler's `topics` and `agents` for one actor run: every send carries the run's current event,
// so under exactly_once it joins the transaction of the input partition that delivered that event.
// Timers, crontabs, tasks and views have no current event: their sends stay at-least-once.

import { agentRef, type AgentRef, type OutboxMessage, type TopicSender } from '../agents/index.js';
import type { Manifest } from '../manifest/index.js';
import type { Event } from '../streams/index.js';
import { outboxMessage, patternWriteError, type FaustWiring } from './faust-wiring.js';
import type { Worker } from './worker.js';

export interface EventSenders {
  readonly topics: Readonly<Record<string, TopicSender>>;
  readonly agents: Readonly<Record<string, AgentRef>>;
}

/** Builds `sendersFor` of an agent runner: the senders whose records belong to `currentEvent()`. */
export function eventSenders(manifest: Manifest, worker: Worker, faust: FaustWiring): (currentEvent: () => Event | undefined) => EventSenders {
  return (currentEvent) => {
    const withEvent = (message: OutboxMessage): OutboxMessage => {
      const event = currentEvent();
      return event === undefined ? message : { ...message, event };
    };
    const topics: Record<string, TopicSender> = {};
    for (const [name, declared] of manifest.topics) {
      topics[name] = {
        send: declared.pattern === undefined
          ? (value, options) => worker.send(name, withEvent(outboxMessage(value, options)))
          : () => Promise.reject(patternWriteError(`topics.${name}`, name)),
      };
    }
    const agents: Record<string, AgentRef> = {};
    for (const declaration of manifest.agents.values()) {
      const shared = faust.agents[declaration.name]!;
      // An in-memory channel never reaches Kafka: nothing to put in a transaction; an agent on a
      // topic pattern refuses sends already.
      if (declaration.channel !== undefined || manifest.topics.get(declaration.topics[0]!)?.pattern !== undefined) {
        agents[declaration.name] = shared;
        continue;
      }
      const topic = declaration.topics[0]!;
      agents[declaration.name] = agentRef({ send: (value, options) => worker.send(topic, withEvent(outboxMessage(value, options))), ask: (value, options) => shared.ask(value, options) });
    }
    return { topics, agents };
  };
}
