// Shared by the store unit tests: temp directories removed after each test, a logger that keeps its
// records, a deadline for promises that must settle, and the files RocksDB keeps in a store.

import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach } from 'node:test';
import { pino, type Logger } from 'pino';

/** A fresh temp directory per test (`dir()`), removed after it with everything in it. */
export function tempDirPerTest(prefix: string): { readonly dir: () => string } {
  let current = '';
  beforeEach(async () => {
    current = await mkdtemp(join(tmpdir(), `streamd-${prefix}-`));
  });
  afterEach(async () => {
    await rm(current, { recursive: true, force: true });
  });
  return { dir: () => current };
}

/** One JSON log line, parsed. */
export type LogRecord = Record<string, unknown> & { readonly level: number; readonly msg: string };

/** A debug-level pino logger whose lines are kept in `records`. */
export function captureLogger(): { readonly logger: Logger; readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line) as LogRecord) });
  return { logger, records };
}

/** `promise`, or a rejection saying `what` did not settle within `timeoutMs`. */
export async function withinMs<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const timer = new AbortController();
  const timeout = delay(timeoutMs, undefined, { signal: timer.signal }).then(
    () => Promise.reject(new Error(`${what} did not settle within ${timeoutMs} ms`)),
    () => undefined as never,
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer.abort();
  }
}

/** The files in a store directory with their sizes, e.g. `{ name: '000009.sst', size: 5716750 }`. */
export async function storeFiles(dir: string): Promise<{ readonly name: string; readonly size: number }[]> {
  const names = await readdir(dir);
  return Promise.all(names.map(async (name) => ({ name, size: (await stat(join(dir, name))).size })));
}

/** `count` entries of ~100-byte values: enough for RocksDB to write a multi-block SST file. */
export function someEntries(count: number): [Buffer, Buffer][] {
  return Array.from({ length: count }, (_, i) => [Buffer.from(`key-${String(i).padStart(8, '0')}`), Buffer.alloc(100, i & 0xff)]);
}
