// One Kafka JVM child process: spawns it with its orphan guard, keeps its output tail, and owns
// stopping it (SIGTERM, then SIGKILL after a grace period). Used by broker.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { type ChildExit, isRunning, terminate, trackExit } from './child-exit.js';
import { asError } from './deadline.js';
import { HarnessError } from './harness-error.js';
import { startOrphanGuard, type OrphanGuard } from './orphan-guard.js';
import { OutputTail, forEachLine } from './output-tail.js';

export interface JvmSpawnOptions {
  java: string;
  args: string[];
  /** Deleted by the orphan guard if this process dies without stopping the JVM. */
  cleanupDir: string;
  log?: (line: string) => void;
}

/** A spawned JVM. `exited` resolves however it ends. */
export class JvmProcess {
  readonly tail = new OutputTail(200);
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #guard: OrphanGuard | undefined;
  readonly #lineListeners = new Set<(line: string) => void>();
  #stopping: Promise<ChildExit> | undefined;

  constructor(options: JvmSpawnOptions) {
    this.#child = spawn(options.java, options.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    this.exited = trackExit(this.#child);
    const onLine = (line: string): void => {
      this.tail.push(line);
      options.log?.(line);
      for (const listener of this.#lineListeners) listener(line);
    };
    if (this.#child.stdout !== null) forEachLine(this.#child.stdout, onLine);
    if (this.#child.stderr !== null) forEachLine(this.#child.stderr, onLine);
    const pid = this.#child.pid;
    if (pid === undefined) return;
    this.#guard = startOrphanGuard(pid, options.cleanupDir);
    // Last resort when the process exits without stop() (process.exit(), an uncaught error): only
    // synchronous work runs in 'exit' handlers, so SIGKILL. The guard then removes the data dir.
    const killOnExit = (): void => {
      if (isRunning(this.#child)) this.#child.kill('SIGKILL');
    };
    process.on('exit', killOnExit);
    void this.exited.then(() => process.off('exit', killOnExit));
  }

  /** The JVM's pid, or undefined if it could not be spawned. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Throws a HarnessError if the JVM could not be spawned at all (e.g. `java` not on PATH). */
  async assertSpawned(): Promise<void> {
    if (this.#child.pid !== undefined) return;
    const exit = await this.exited;
    throw new HarnessError(
      'KAFKA_HARNESS_JAVA_MISSING',
      `could not start Java (${exit.spawnError?.message ?? 'unknown error'}). Install a JDK 17 or set JAVA_HOME.`,
      { cause: exit.spawnError },
    );
  }

  /** Resolves when the JVM prints a line matching `pattern` (including lines already printed). */
  waitForLine(pattern: RegExp, signal: AbortSignal): Promise<void> {
    if (this.tail.lines().some((line) => pattern.test(line))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (error?: unknown): void => {
        this.#lineListeners.delete(listener);
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(asError(error));
      };
      const listener = (line: string): void => {
        if (pattern.test(line)) finish();
      };
      const onAbort = (): void => finish(signal.reason);
      if (signal.aborted) {
        onAbort();
        return;
      }
      this.#lineListeners.add(listener);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * SIGTERM, wait up to `graceMs`, SIGKILL, wait for the exit, then release the orphan guard.
   * Memoized: concurrent and repeated calls share one promise.
   */
  stop(graceMs: number): Promise<ChildExit> {
    this.#stopping ??= (async () => {
      try {
        return await terminate(this.#child, this.exited, { graceMs });
      } finally {
        await this.#guard?.release();
      }
    })();
    return this.#stopping;
  }
}
