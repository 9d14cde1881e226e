// Public surface of the CLI area: runCli for cmd/streamd.ts, and the types it injects.
export { runCli, buildProgram, type CliDeps } from './program.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError, CliUsageError, type CliIo, type TextOutput } from './cli-io.js';
export { loadCreateWorker } from './load-worker.js';
export type { CreateWorker, SignalSource, StartDeps } from './start-command.js';
