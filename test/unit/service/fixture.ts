// Test doubles for the lifecycle tests: a service whose hooks write to a shared journal and can be
// told to fail or wait, a logger that keeps its records, and small helpers around them.

import { pino, type Logger } from 'pino';
import { Service } from '../../../src/service/index.js';

/** One parsed pino record. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly service?: string;
  readonly from?: string;
  readonly to?: string;
}

/** A debug-level logger whose records land in `records`, parsed. */
export function captureLogger(): { readonly logger: Logger; readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line) as LogRecord) });
  return { logger, records };
}

/** What a Probe does in its hooks, besides writing `start <name>` / `stop <name>` to the journal. */
export interface ProbeOptions {
  readonly journal: string[];
  readonly logger: Logger;
  readonly failStart?: Error;
  readonly failStop?: Error;
  /** Awaited inside `onStart`, after the journal entry, with the probe's signal. */
  readonly whileStarting?: (signal: AbortSignal) => Promise<void>;
}

/** A concrete service for tests. */
export class Probe extends Service {
  readonly #options: ProbeOptions;
  /** Whether `signal` was already aborted when `onStop` ran. */
  sawAbortedSignalOnStop: boolean | undefined;

  constructor(name: string, options: ProbeOptions) {
    super({ name, logger: options.logger });
    this.#options = options;
  }

  /** Spawns a background loop, as a subclass would from `onStart`. */
  run(name: string, loop: (signal: AbortSignal) => Promise<void>): void {
    this.spawn(name, loop);
  }

  protected override async onStart(): Promise<void> {
    this.#options.journal.push(`start ${this.name}`);
    await this.#options.whileStarting?.(this.signal);
    if (this.#options.failStart !== undefined) throw this.#options.failStart;
  }

  protected override onStop(): Promise<void> {
    this.#options.journal.push(`stop ${this.name}`);
    this.sawAbortedSignalOnStop = this.signal.aborted;
    return this.#options.failStop === undefined ? Promise.resolve() : Promise.reject(this.#options.failStop);
  }
}

/** A factory for supervised probes that keeps every instance it built, oldest first. */
export function probeFactory(
  name: string,
  options: ProbeOptions,
  optionsForInstance: (index: number) => Partial<ProbeOptions> = () => ({}),
): { readonly create: () => Probe; readonly made: Probe[] } {
  const made: Probe[] = [];
  const create = (): Probe => {
    const probe = new Probe(name, { ...options, ...optionsForInstance(made.length) });
    made.push(probe);
    return probe;
  };
  return { create, made };
}

/** The last instance a factory built. */
export function latest(made: readonly Probe[]): Probe {
  const probe = made.at(-1);
  if (probe === undefined) throw new Error('the factory built nothing yet');
  return probe;
}

/** Resolves when `signal` aborts: a loop that runs until its service stops. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Deadline for `waitFor` in these tests: generous, since everything here runs on microtasks. */
export const WAIT = { timeoutMs: 2_000, intervalMs: 1 } as const;
