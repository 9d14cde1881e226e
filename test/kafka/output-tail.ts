// Keeps the last lines a child process printed, for error messages, and forwards each line to an
// optional logger. Used by broker.ts, jars.ts and java-partitioner.ts.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const STACK_FRAME = /^\s+(at |\.\.\. \d+ more)/;

/** A ring buffer of output lines. */
export class OutputTail {
  readonly #lines: string[] = [];

  /** @param maxLines lines kept; older ones are dropped. */
  constructor(readonly maxLines = 200) {}

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.maxLines) this.#lines.shift();
  }

  /** The last `count` lines (all kept lines by default), oldest first. */
  lines(count = this.maxLines): string[] {
    return this.#lines.slice(-count);
  }

  /**
   * The last `count` lines without Java stack frames (`at …`, `... 17 more`), which would crowd out
   * the ERROR and `Caused by:` lines; joined with newlines and indented for embedding in a message.
   */
  indented(count = 40): string {
    const lines = this.#lines.filter((line) => !STACK_FRAME.test(line)).slice(-count);
    return lines.length === 0 ? '  (no output)' : lines.map((line) => `  ${line}`).join('\n');
  }
}

/** Calls `onLine` for each line of `stream` (without the newline). */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}
