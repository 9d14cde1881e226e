// Helpers of the handler tests: a scratch app directory inside the repository (so bare imports
// resolve from its node_modules) holding copies of test/fixtures/handlers, and a logger that keeps records.

import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { repoRoot } from '../../kafka/repo-root.js';

export { repoRoot };

/** The absolute path of a file in test/fixtures/handlers. */
export function fixturePath(...segments: string[]): string {
  return join(repoRoot(), 'test', 'fixtures', 'handlers', ...segments);
}

/** A scratch copy of the handler fixtures; `remove()` deletes it with everything built into it. */
export interface AppDir {
  readonly root: string;
  path(...segments: string[]): string;
  remove(): Promise<void>;
}

/**
 * Copies test/fixtures/handlers to `<repo>/.streamd/test-tmp/<random>/`, renaming `*.ts.fixture`
 * (sources that must not compile, kept away from tsc and eslint) to `*.ts`.
 */
export async function makeAppDir(): Promise<AppDir> {
  const root = join(repoRoot(), '.streamd', 'test-tmp', randomBytes(6).toString('hex'));
  await mkdir(dirname(root), { recursive: true });
  await cp(fixturePath(), root, { recursive: true });
  for (const name of await readdir(root)) {
    if (name.endsWith('.ts.fixture')) await rename(join(root, name), join(root, name.slice(0, -'.fixture'.length)));
  }
  return {
    root,
    path: (...segments) => join(root, ...segments),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** One parsed pino record. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A debug-level logger whose records land in `records`, parsed. */
export function captureLogger(): { readonly logger: Logger; readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line) as LogRecord) });
  return { logger, records };
}
