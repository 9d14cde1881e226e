// Public surface of the exactly_once pieces: tasks and their ids, their producers, their commit.
export { ExactlyOnce, TRANSACTION_TIMEOUT_MS, type ExactlyOnceOptions } from './exactly-once.js';
export { TaskIds } from './task-ids.js';
export { TaskProducers, type TaskProducersOptions } from './task-producers.js';
export { TransactionalCommit, type TransactionalCommitOptions } from './transactional-commit.js';
