// Command-line flags: their value parsers (commander calls them; a bad value is a usage error, exit 2)
// and the mapping of setting flags onto the manifest loader's SettingOverrides. Pure.

import { InvalidArgumentError } from 'commander';
import type { SettingOverrides } from '../manifest/index.js';
import { LOG_LEVELS, parseLogLevel, type LogLevel } from '../log/index.js';

/** Flags every manifest-reading command may take that override a setting. */
export interface SettingFlags {
  readonly broker?: string;
  readonly webPort?: number;
  readonly webHost?: string;
  readonly datadir?: string;
}

/** Flag → setting: `--broker` → broker, `--web-port` → webPort, `--web-host` → webHost, `--datadir` → datadir. */
export function settingOverrides(flags: SettingFlags): SettingOverrides {
  return {
    ...(flags.broker === undefined ? {} : { broker: flags.broker }),
    ...(flags.webPort === undefined ? {} : { webPort: flags.webPort }),
    ...(flags.webHost === undefined ? {} : { webHost: flags.webHost }),
    ...(flags.datadir === undefined ? {} : { datadir: flags.datadir }),
  };
}

function integer(text: string, min: number, max: number, what: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`expected ${what}, got "${text}".`);
  }
  return value;
}

/** `--web-port <n>`: 0 (a free port) to 65535. */
export function parsePort(text: string): number {
  return integer(text, 0, 65_535, 'a port from 0 to 65535');
}

/** `--partition <n>`: a non-negative integer. */
export function parsePartition(text: string): number {
  return integer(text, 0, 2 ** 31 - 1, 'a partition number (0 or more)');
}

/** `--repeat <n>`: how many times `streamd send` sends the message, 1 to 1,000,000. */
export function parseRepeat(text: string): number {
  return integer(text, 1, 1_000_000, 'a count from 1 to 1000000');
}

/** `--log-level <level>`: pino's levels, case-insensitive; Faust's `crit` and `warning` too. */
export function parseLogLevelFlag(text: string): LogLevel {
  const level = parseLogLevel(text);
  if (level === undefined) throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}, got "${text}".`);
  return level;
}

/** `--broker <url>`: only the scheme is checked here; the driver checks the rest. */
export function parseBrokerUrl(text: string): string {
  if (!/^(kafka|memory):\/\//i.test(text.trim())) {
    throw new InvalidArgumentError(`expected kafka://host:port[,host:port] or memory://, got "${text}".`);
  }
  return text.trim();
}
