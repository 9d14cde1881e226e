// Public surface of the agents area: the handler API types, the runner, replies and the topology probe.
export { AgentCrashLoopError, AgentRunner, type AgentRunnerOptions } from './agent-runner.js';
export type { Outbox, OutboxMessage } from './outbox.js';
export { AskTimeoutError, CORRELATION_HEADER, REPLY_TO_HEADER, Replies } from './replies.js';
export { probeAgent, type ProbedTopology } from './topology-probe.js';
export { agentRef, type AgentPorts, type KeyedValues } from './agent-map.js';
export { MemoryChannels, channelTopic, type MemoryChannelSpec } from './memory-channels.js';
export type { Agent, AgentRef, AnyAgent, AskOptions, ChannelSender, HandlerContext, SendOptions, SinkTarget, TopicSender } from './types.js';
