// streamd's public API for handler authors: the handler types (agents, views), streams and events, `respond` for views, custom codec
// types, and `defineApp` for TypeScript manifests. Handlers import types from here (`import type { Agent } from 'streamd'`).

export type { Agent, AgentRef, AskOptions, ChannelSender, HandlerContext, SendOptions, TopicSender } from './agents/index.js';
export { Event, Stream, type GroupByOptions } from './streams/index.js';
export type { ClosedWindow, SetTable, Table, WindowValue, WindowedTable } from './tables/index.js';
export type { WindowCloseHandler } from './worker/window-close-handlers.js';
export type { ChangelogEvent, KeyChange } from './tables/index.js';
export type { ChangelogEventHandler, KeyDelHandler, KeySetHandler } from './worker/table-hook-runner.js';
export type { TimerHandler } from './timers/index.js';
/** A crontab's handler: called at each firing with the context a timer gets. */
export type { TimerHandler as CrontabHandler } from './timers/index.js';
/** A start-up task's handler: called once, when the worker is ready, with a timer's context. */
export type { TimerHandler as TaskHandler } from './timers/index.js';
export { StreamdError, hasCode } from './errors/index.js';
export { defineApp, type AppDefinition, type AppHandlerFunction, type AppSettings } from './manifest/define-app.js';
export { respond, type ViewResponse } from './web/view-response.js';
export type { View, ViewContext, ViewRequest } from './web/view-types.js';
/** Custom codecs (the manifest's `codecs:`): `ValueCodec` is a serializer (value ↔ bytes), `BytesCodec` a byte codec (bytes ↔ bytes). */
export type { BytesCodec, CustomCodec, ValueCodec } from './models/custom-codec.js';
