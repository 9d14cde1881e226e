// Helpers of the CLI tests: fixture paths from the repository root, and a fake process (captured
// stdout/stderr, a given environment and stdin) for running commands in-process.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliDeps, CliIo } from '../../../src/cli/index.js';
import { repoRoot } from '../../kafka/repo-root.js';

export { repoRoot };

/** `test/fixtures/manifests/<name>`, absolute. */
export const manifestFixture = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'manifests', name);
/** `test/fixtures/cli/<name>`, absolute. */
export const cliFixture = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'cli', name);

/** The CLI's dependencies for commands other than `start`: starting a worker fails the test. */
export const inspectDeps: CliDeps = {
  start: {
    loadCreateWorker: () => Promise.reject(new Error('start is not under test here')),
    signals: { subscribe: () => () => undefined },
    forceExit: () => assert.fail('forceExit called'),
  },
};

/** A fake process: what the command wrote, and the io to hand it. */
export interface FakeIo {
  readonly io: CliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** An io with the repository root as cwd, an empty environment and `stdin` (a terminal when omitted). */
export function fakeIo(options: { env?: Record<string, string>; stdin?: string } = {}): FakeIo {
  let out = '';
  let err = '';
  const stdin = options.stdin === undefined ? Object.assign(Readable.from([]), { isTTY: true }) : Readable.from([Buffer.from(options.stdin)]);
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      stdin,
      env: options.env ?? {},
      cwd: repoRoot(),
    },
    stdout: () => out,
    stderr: () => err,
  };
}
