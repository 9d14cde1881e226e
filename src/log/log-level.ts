// The log levels the CLI accepts for `--log-level`, and their mapping onto pino's levels
// (Faust's names `crit` and `warning` are accepted too). Used by cmd/ and src/cli/.

/** pino's levels, most verbose first, plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ALIASES: Readonly<Record<string, LogLevel>> = { warning: 'warn', crit: 'fatal', critical: 'fatal' };

/** The level named by `text` (case-insensitive, Faust aliases allowed), or undefined if there is none. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const name = text.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(name)) return name as LogLevel;
  return ALIASES[name];
}
