// streamd's public API for handler authors: the handler types, streams and events. Handlers import
// types from here (`import type { Agent } from 'streamd'`); the daemon provides the values.

export type { Agent, AgentRef, HandlerContext, SendOptions, TopicSender } from './agents/index.js';
export { Event, Stream, type GroupByOptions } from './streams/index.js';
export { StreamdError, hasCode } from './errors/index.js';
