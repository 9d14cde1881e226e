// Runs `streamd start` as a user would: a subprocess of the built CLI, readiness from GET /ready,
// stop by SIGTERM or kill -9. Every daemon a test starts is killed when the test process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePorts } from '../../kafka/free-ports.js';
import { repoPath } from '../../kafka/repo-root.js';

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface DaemonOptions {
  readonly manifest: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** Wait for GET /ready (default true); false returns as soon as the process is spawned. */
  readonly waitReady?: boolean;
  readonly readyTimeoutMs?: number;
  /**
   * Run exactly this argv (command first) instead of the built CLI with `--manifest` and
   * `--web-port`: a pod's command as a chart renders it. `webPort` then says where it listens.
   */
  readonly command?: readonly string[];
  readonly webPort?: number;
  /** The readiness path (default /ready). */
  readonly readyPath?: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class Daemon {
  readonly webPort: number;
  readonly exited: Promise<DaemonExit>;
  readonly #child: ChildProcess;
  readonly #output: string[] = [];

  readonly #readyPath: string;

  private constructor(child: ChildProcess, webPort: number, readyPath = '/ready') {
    this.#child = child;
    this.webPort = webPort;
    this.#readyPath = readyPath;
    const collect = (chunk: Buffer): void => {
      this.#output.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
      if (this.#output.length > 20_000) this.#output.splice(0, this.#output.length - 20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      });
    });
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const webPort = options.webPort ?? (await findFreePorts(1))[0]!;
    const [command, ...args] = options.command ?? [
      process.execPath,
      repoPath('dist', 'cmd', 'streamd.js'), 'start', '--manifest', options.manifest, '--web-port', String(webPort), '--log-level', 'info', ...(options.args ?? []),
    ];
    const child = spawn(command!, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const daemon = new Daemon(child, webPort, options.readyPath);
    if (options.waitReady ?? true) await daemon.waitReady(options.readyTimeoutMs ?? 60_000);
    return daemon;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Log lines so far (stdout and stderr). */
  get output(): readonly string[] {
    return this.#output;
  }

  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[] {
    return this.#output.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: DaemonExit | undefined;
    void this.exited.then((e) => (exited = e));
    for (;;) {
      if (exited !== undefined) throw new Error(`streamd exited (${JSON.stringify(exited)}) before it was ready:\n${this.tail()}`);
      try {
        const response = await fetch(`${this.url}${this.#readyPath}`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`streamd was not ready within ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(100);
    }
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.url}/metrics`);
    return response.text();
  }

  /** The value of a counter (summed over all label sets that match `labels`), 0 when absent. */
  async counter(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const text = await this.metrics();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const match = /^([a-z_]+)(\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
      if (match?.[1] !== name) continue;
      const pairs: Record<string, string> = Object.fromEntries(
        (match[3] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=').map((part) => part.replace(/"/g, '')) as [string, string]),
      );
      if (Object.entries(labels).every(([k, v]) => pairs[k] === v)) sum += Number(match[4]);
    }
    return sum;
  }

  /** SIGTERM, then wait; SIGKILL after `timeoutMs`. */
  async terminate(timeoutMs = 60_000): Promise<DaemonExit> {
    this.#child.kill('SIGTERM');
    const cancel = new AbortController();
    const timer = sleep(timeoutMs, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const);
    const result = await Promise.race([this.exited, timer]);
    cancel.abort();
    if (result !== 'timeout' && result !== 'cancelled') return result;
    this.#child.kill('SIGKILL');
    throw new Error(`streamd did not exit within ${timeoutMs} ms of SIGTERM:\n${this.tail()}`);
  }

  /** Sends `signal` (e.g. SIGSTOP, SIGCONT) without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  async kill9(): Promise<DaemonExit> {
    this.#child.kill('SIGKILL');
    return this.exited;
  }

  tail(lines = 40): string {
    return this.#output.slice(-lines).join('\n');
  }
}
