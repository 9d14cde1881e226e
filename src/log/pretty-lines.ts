// Readable log lines for a terminal: turns each pino JSON line into
// `12:00:01.234 INFO  [stream source] assigned 5 partitions  partitions=[...]`, with colours when the
// output is a TTY. Built in, so a production install (no dev dependencies) is readable too. Used by
// createLogger.

import type { DestinationStream } from 'pino';

const LEVELS: Readonly<Record<number, { readonly name: string; readonly colour: string }>> = {
  10: { name: 'TRACE', colour: '\x1b[90m' },
  20: { name: 'DEBUG', colour: '\x1b[36m' },
  30: { name: 'INFO', colour: '\x1b[32m' },
  40: { name: 'WARN', colour: '\x1b[33m' },
  50: { name: 'ERROR', colour: '\x1b[31m' },
  60: { name: 'FATAL', colour: '\x1b[35m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** pino's own fields, shown in the line's head rather than as `key=value`. */
const HEAD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err']);

interface LoggedError {
  readonly type?: string;
  readonly message?: string;
  readonly stack?: string;
  readonly code?: string;
}

function clock(epochMs: number): string {
  const at = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, '0')}`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as readable text (with a trailing newline); a line that is not JSON passes through. */
export function prettyLine(json: string, options: { readonly colours: boolean }): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const paint = (colour: string, text: string): string => (options.colours ? `${colour}${text}${RESET}` : text);
  const level = LEVELS[entry['level'] as number] ?? { name: String(entry['level']), colour: '' };
  // Services log with `service`, the CLI and the embedded broker with `component`.
  const who = typeof entry['service'] === 'string' ? 'service' : typeof entry['component'] === 'string' ? 'component' : undefined;
  const head = [
    paint(DIM, typeof entry['time'] === 'number' ? clock(entry['time']) : ''),
    paint(level.colour, level.name.padEnd(5)),
    ...(who === undefined ? [] : [paint(DIM, `[${String(entry[who])}]`)]),
    typeof entry['msg'] === 'string' ? entry['msg'] : fieldText(entry['msg'] ?? ''),
  ].join(' ');
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD_FIELDS.has(key) && key !== who)
    .map(([key, value]) => `${paint(DIM, `${key}=`)}${fieldText(value)}`);
  let text = fields.length === 0 ? head : `${head}  ${fields.join(' ')}`;
  const err = entry['err'] as LoggedError | undefined;
  if (err !== undefined && typeof err === 'object') {
    const stack = err.stack ?? `${err.type ?? 'Error'}: ${err.message ?? ''}`;
    text += `\n${stack.split('\n').map((l) => `    ${l}`).join('\n')}${err.code === undefined ? '' : `\n    code: ${err.code}`}`;
  }
  return `${text}\n`;
}

/** A pino destination that writes readable lines to `output`. */
export function prettyDestination(output: NodeJS.WritableStream, options: { readonly colours: boolean }): DestinationStream {
  return {
    write(line: string): void {
      output.write(prettyLine(line, options));
    },
  };
}
