// Public surface of the tables area: the handler-facing table types, the worker's Tables service
// (stores, recovery, standbys, commit steps), and the changelog reader and catch-up they build on.
export { catchUp, type CatchUpOptions, type CatchUpProgress, type CatchUpResult } from './catch-up.js';
export { ChangelogReader, type ChangelogBatchHandler, type ChangelogReaderOptions } from './changelog-reader.js';
export { RecoveryStalledError } from './errors.js';
export { KEY_ENCODING_HEADER, LEGACY_KEY_ENCODING, changelogKeyReader, type ChangelogKeyReader } from './key-encoding.js';
export { ORIGIN_HEADER, POSITIONS_HEADER, TablePositions, originHeader, readOrigin } from './positions.js';
export type { Flush } from './table-partition.js';
export { TablePartitionError, type HandleScope } from './table-runtime.js';
export { Tables, noteOffset, type TablesOptions } from './tables.js';
export type { RecoveryProgress } from './recoveries-in-flight.js';
export { topicPartitionKey } from './topic-partition-key.js';
export type { AnyTable, ClosedWindow, SetTable, Table, WindowValue, WindowedTable } from './types.js';
export type { ChangelogEvent, HookSite, KeyChange, TableHooks } from './table-hooks.js';
