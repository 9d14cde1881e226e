// Waiting for child processes and ending them with a grace period (SIGTERM, then SIGKILL).
// Used by broker.ts, jars.ts, run-tests.ts and java-partitioner.ts.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/** How a child ended; `spawnError` is set when it never started (e.g. ENOENT). */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

/**
 * Resolves once the child has exited or failed to spawn. Call it right after `spawn()`, before any
 * event can fire. Never rejects.
 */
export function trackExit(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    // 'close' rather than 'exit': by then stdout/stderr are drained, so output tails are complete.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
    });
  });
}

/** Resolves `true` if `exited` settles within `timeoutMs`, `false` otherwise. */
export async function exitsWithin(exited: Promise<ChildExit>, timeoutMs: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      exited.then(() => true),
      delay(timeoutMs, false, { signal: timer.signal }),
    ]);
  } finally {
    timer.abort();
  }
}

/** Whether the child is still running (spawned and not yet exited). */
export function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Sends `signal` (SIGTERM by default), waits up to `graceMs`, then SIGKILLs and waits for the exit.
 * Resolves with how the child ended.
 */
export async function terminate(
  child: ChildProcess,
  exited: Promise<ChildExit>,
  options: { graceMs: number; signal?: NodeJS.Signals },
): Promise<ChildExit> {
  if (isRunning(child)) child.kill(options.signal ?? 'SIGTERM');
  if (!(await exitsWithin(exited, options.graceMs)) && isRunning(child)) child.kill('SIGKILL');
  return exited;
}
