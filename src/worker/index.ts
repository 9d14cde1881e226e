// Public surface of the worker area: the worker, its handle type, and the naming of internal topics.
export { appPrefix, changelogTopic, deadLetterTopic, groupId, leaderTopic, repartitionTopic, stateDir, tableStorePath } from './naming.js';
export type { AgentInfo, IngestMessage, Readiness, TablePlan, TopicInfo, TopicPlan, Topology, WorkerHandle } from './types.js';
export { Worker, createWorker, type WorkerOptions } from './worker.js';
export { ViewRuntime, viewName } from './view-runtime.js';
export type { SinkHandler } from './faust-wiring.js';
export type { ChangelogEventHandler, KeyDelHandler, KeySetHandler, TableHookHandlers } from './table-hook-runner.js';
