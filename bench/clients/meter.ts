// The clock and CPU meter of one client-bench run: records over the wall time from the first record
// (or send) to the last, and this process's CPU time (user + system, every thread: the client's
// work, JSON, GC) over the same window.

import { performance } from 'node:perf_hooks';

export interface ClientFigures {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSec: number;
  readonly cpuMicrosPerRecord: number;
}

export class Meter {
  #startMs = 0;
  #startCpu: NodeJS.CpuUsage | undefined;
  #records = 0;
  #resolve!: (figures: ClientFigures) => void;
  /** Resolves once `count` has reached the target. */
  readonly done: Promise<ClientFigures>;

  constructor(readonly target: number) {
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Starts the clock if it has not started yet. */
  start(): void {
    if (this.#startCpu !== undefined) return;
    this.#startCpu = process.cpuUsage();
    this.#startMs = performance.now();
  }

  get records(): number {
    return this.#records;
  }

  /** Counts `n` records; at the target, stops the clock and resolves `done`. */
  count(n: number): void {
    this.start();
    const before = this.#records;
    this.#records += n;
    if (before < this.target && this.#records >= this.target) {
      const cpu = process.cpuUsage(this.#startCpu);
      const seconds = (performance.now() - this.#startMs) / 1000;
      this.#resolve({ records: this.#records, seconds, recordsPerSec: this.#records / seconds, cpuMicrosPerRecord: (cpu.user + cpu.system) / this.#records });
    }
  }
}

/** `done`, or a rejection naming how far the run got once `timeoutMs` has passed. */
export async function within(meter: Meter, timeoutMs: number, what: string): Promise<ClientFigures> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: ${meter.records} of ${meter.target} records in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([meter.done, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The value the loop produces for one input value: parsed, enriched, serialized again; keyed by user. */
export function transform(value: Buffer): { key: Buffer; value: Buffer } {
  const view = JSON.parse(value.toString()) as { user: string; ts: number };
  return { key: Buffer.from(view.user), value: Buffer.from(JSON.stringify({ ...view, hour: Math.floor(view.ts / 3_600_000) })) };
}

/** `count` JSON page views of about 100 B, keyed by user, as the preloaded input holds. */
export function pageViews(count: number): { key: Buffer; value: Buffer }[] {
  return Array.from({ length: count }, (_, n) => {
    const user = `user-${String(n % 10_000).padStart(5, '0')}`;
    return { key: Buffer.from(user), value: Buffer.from(JSON.stringify({ user, page: `/p/${n % 1000}`, ref: 'search', seq: n, ts: 1_700_000_000_000 + n * 1000 })) };
  });
}
