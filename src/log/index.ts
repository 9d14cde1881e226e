// Public surface of the logging area: the process logger factory and the `--log-level` names.
export { createLogger, type LoggerOptions } from './create-logger.js';
export { LOG_LEVELS, parseLogLevel, type LogLevel } from './log-level.js';
