// Public surface of the tables area: the handler-facing table types, the worker's Tables service
// (stores, recovery, standbys, commit steps) and the changelog reader it reads with.
export { ChangelogReader } from './changelog-reader.js';
export { ORIGIN_HEADER, POSITIONS_HEADER, TablePositions, originHeader, readOrigin } from './positions.js';
export type { Flush } from './table-partition.js';
export { TablePartitionError, type HandleScope } from './table-runtime.js';
export { Tables, type TablesOptions } from './tables.js';
export type { AnyTable, SetTable, Table } from './types.js';
