// Faust's agent.map / kvmap / join / kvjoin: send many values to an agent and collect what it yields
// for each, in the order they were given. Built on `ask` (request/reply over the agent's topic, or
// in memory for a channel-fed agent): every value is asked at once, and answers are collected in input
// order whatever order the agent's actors answer in.

import type { AgentRef, AskOptions } from './types.js';

/** What an agent reference is built from: one send and one ask. */
export interface AgentPorts {
  readonly send: AgentRef['send'];
  readonly ask: AgentRef['ask'];
}

/** Key/value pairs for kvmap and kvjoin: `[key, value]` entries or a plain object of them. */
export type KeyedValues = Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>>;

function entries(items: KeyedValues): (readonly [unknown, unknown])[] {
  return Symbol.iterator in items ? [...(items as Iterable<readonly [unknown, unknown]>)] : Object.entries(items);
}

/** Asks every value now; resolves to the answers in input order (rejects with the first failure). */
function askAll(ask: AgentRef['ask'], pairs: readonly (readonly [unknown, unknown])[], keyed: boolean, options: AskOptions): Promise<unknown[]> {
  return Promise.all(pairs.map(([key, value]) => ask(value, keyed ? { ...options, key } : options)));
}

/** Yields the answers in input order, each as soon as it and every earlier one have arrived. */
async function* inOrder(answers: readonly Promise<unknown>[]): AsyncGenerator<unknown> {
  for (const answer of answers) yield await answer;
}

function askEach(ask: AgentRef['ask'], pairs: readonly (readonly [unknown, unknown])[], keyed: boolean, options: AskOptions): Promise<unknown>[] {
  const answers = pairs.map(([key, value]) => ask(value, keyed ? { ...options, key } : options));
  // A failure surfaces when its turn comes in the iteration; until then it must not be unhandled.
  for (const answer of answers) answer.catch(() => undefined);
  return answers;
}

/** An AgentRef with map, kvmap, join and kvjoin over `ports.ask`. */
export function agentRef(ports: AgentPorts): AgentRef {
  const { send, ask } = ports;
  return {
    send,
    ask,
    map: (values, options = {}) => inOrder(askEach(ask, [...values].map((value) => [undefined, value] as const), false, options)),
    kvmap: (items, options = {}) => inOrder(askEach(ask, entries(items), true, options)),
    join: (values, options = {}) => askAll(ask, [...values].map((value) => [undefined, value] as const), false, options),
    kvjoin: (items, options = {}) => askAll(ask, entries(items), true, options),
  };
}
