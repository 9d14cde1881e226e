// `streamd start`: load the manifest, build the worker and its web server, run until SIGTERM/SIGINT or a
// crash, then stop the worker (drain, commit, close) before the web server, so probes answer to the end.
// Signals, the worker factory and the forced exit are injected: cmd/streamd.ts owns the process.

import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { createLogger, type LogLevel } from '../log/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ServiceExit } from '../service/index.js';
import { WebServer, createWebApp } from '../web/index.js';
import type { WorkerHandle } from '../worker/types.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './cli-io.js';
import type { SettingFlags } from './flags.js';
import { keepHeapHeadroom } from './heap-growth.js';
import { loadForCommand } from './inspect-commands.js';
import { packageVersion } from './version.js';

/** The worker factory (`createWorker` of src/worker). */
export type CreateWorker = (manifest: Manifest, options: { logger: Logger }) => Promise<WorkerHandle>;

/** SIGTERM and SIGINT, as cmd/ delivers them. */
export interface SignalSource {
  /** Calls `listener` with the signal's name on each one; returns the unsubscribe function. */
  subscribe(listener: (signal: string) => void): () => void;
}

/** What `streamd start` needs from the process. */
export interface StartDeps {
  /** Loads `createWorker` lazily, so the other commands run without loading the engine. */
  readonly loadCreateWorker: () => Promise<CreateWorker>;
  readonly signals: SignalSource;
  /** Ends the process at once with `code` (a second signal, or a shutdown past its deadline). */
  readonly forceExit: (code: number) => void;
  /** Where logs go; default stderr. */
  readonly logDestination?: NodeJS.WritableStream;
  /** Told once the web server listens and the worker has started. */
  readonly onRunning?: (info: { readonly webUrl: string }) => void;
}

/** Flags of `streamd start`. */
export interface StartFlags extends SettingFlags {
  readonly manifest: string;
  readonly logLevel: LogLevel;
}

/**
 * Slack past `shutdownTimeoutMs` before a shutdown counts as hung and the process is ended: the web
 * server's close grace plus margin. Too low: a worker that uses its whole budget is cut off.
 */
const SHUTDOWN_SLACK_MS = 5_000;

/** 0 when both stopped cleanly, 1 when either crashed or had cleanup errors. */
export function shutdownExitCode(worker: ServiceExit, web: ServiceExit): number {
  const isClean = (exit: ServiceExit): boolean => exit.state === 'stopped' && exit.cleanupErrors.length === 0;
  return isClean(worker) && isClean(web) ? EXIT_OK : EXIT_FAILURE;
}

/**
 * One `streamd start`: owns the signal handling (first signal: graceful stop plus a deadline; second:
 * forced exit) and the order of the two services (web up first and down last).
 */
class DaemonRun {
  readonly #log: Logger;
  readonly #deps: StartDeps;
  readonly #watchdog = new AbortController();
  #signalCount = 0;
  #worker: WorkerHandle | undefined;
  #shutdownTimeoutMs = 60_000;

  constructor(log: Logger, deps: StartDeps) {
    this.#log = log;
    this.#deps = deps;
  }

  get isStopRequested(): boolean {
    return this.#signalCount > 0;
  }

  /** SIGTERM/SIGINT: stop the worker (it may not exist yet: then it is never started). */
  onSignal(signal: string): void {
    this.#signalCount++;
    if (this.#signalCount > 1) {
      this.#log.error({ signal }, 'second signal: exiting now, without a clean shutdown');
      this.#deps.forceExit(EXIT_FAILURE);
      return;
    }
    this.#log.info({ signal }, 'stopping: draining, committing and closing (send the signal again to exit at once)');
    this.#worker?.stop().catch((error: unknown) => this.#log.error({ err: error }, 'worker stop failed'));
    const deadlineMs = this.#shutdownTimeoutMs + SHUTDOWN_SLACK_MS;
    delay(deadlineMs, undefined, { signal: this.#watchdog.signal }).then(
      () => {
        this.#log.error({ deadlineMs }, 'shutdown did not finish in time (settings.shutdownTimeoutMs); exiting now');
        this.#deps.forceExit(EXIT_FAILURE);
      },
      () => undefined,
    );
  }

  /** Disarms the shutdown deadline. */
  finish(): void {
    this.#watchdog.abort();
  }

  /** Builds, starts and runs the worker and its web server until a signal or a crash ends them. */
  async run(manifest: Manifest, logger: Logger): Promise<number> {
    this.#shutdownTimeoutMs = manifest.settings.shutdownTimeoutMs;
    const { id, version, broker, store, datadir, processingGuarantee } = manifest;
    this.#log.info({ id, version, broker, store, datadir, processingGuarantee, streamd: packageVersion(), pid: process.pid, node: process.version }, 'starting streamd');
    if (this.isStopRequested) return EXIT_OK;
    const headroom = keepHeapHeadroom(manifest.settings.heapHeadroomBytes, this.#log);
    try {
      return await this.#serve(manifest, logger);
    } finally {
      headroom.stop();
    }
  }

  async #serve(manifest: Manifest, logger: Logger): Promise<number> {
    const createWorker = await this.#deps.loadCreateWorker();
    const worker = await createWorker(manifest, { logger });
    this.#worker = worker;
    const { authToken } = manifest.web;
    const web = new WebServer({
      callback: createWebApp({ worker, log: logger.child({ component: 'web' }), openPaths: manifest.web.openPaths, ...(authToken === undefined ? {} : { authToken }) }),
      host: manifest.web.host,
      port: manifest.web.port,
      logger,
    });
    try {
      if (!this.isStopRequested) await web.start();
      if (!this.isStopRequested) await worker.start();
    } catch (error) {
      const exits = [await worker.stop(), await web.stop()] as const;
      if (this.isStopRequested) return shutdownExitCode(...exits);
      throw error;
    }
    if (this.isStopRequested) return shutdownExitCode(await worker.stop(), await web.stop());

    this.#log.info({ web: web.url }, 'streamd is running');
    this.#deps.onRunning?.({ webUrl: web.url ?? '' });
    const exit = await worker.whenStopped();
    if (!this.isStopRequested && exit.state === 'crashed') this.#log.error({ err: exit.error }, 'the worker crashed; exiting with code 1');
    else if (!this.isStopRequested) this.#log.warn('the worker stopped by itself; exiting');
    const webExit = await web.stop();
    const code = shutdownExitCode(exit, webExit);
    const cleanupErrors = exit.cleanupErrors.length + webExit.cleanupErrors.length;
    if (cleanupErrors > 0) this.#log.error({ cleanupErrors }, 'stopped with cleanup errors; exiting with code 1');
    this.#log.info({ code }, 'streamd stopped');
    return code;
  }
}

/** Runs the daemon; resolves with the exit code. Boot errors reject (runCli reports them). */
export async function runStart(flags: StartFlags, io: CliIo, deps: StartDeps): Promise<number> {
  const logger = createLogger({ level: flags.logLevel, ...(deps.logDestination === undefined ? {} : { destination: deps.logDestination }) });
  const daemon = new DaemonRun(logger.child({ component: 'cli' }), deps);
  const unsubscribe = deps.signals.subscribe((signal) => daemon.onSignal(signal));
  try {
    return await daemon.run(await loadForCommand(flags, io), logger);
  } finally {
    daemon.finish();
    unsubscribe();
  }
}
