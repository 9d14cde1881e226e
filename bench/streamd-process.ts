// streamd as a user runs it, for the workloads that report what the worker process cost: the built
// CLI (`streamd start`) in its own process, so its CPU time and peak RSS come from /proc like a
// peer JVM's. Node flags can be given, e.g. `--cpu-prof --cpu-prof-dir=…` to profile the worker
// (Node refuses --cpu-prof in NODE_OPTIONS, so the flags go on the command line).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Admin } from '../src/kafka/index.js';
import { loadManifest, type Manifest } from '../src/manifest/index.js';
import { spawn } from 'node:child_process';
import { terminate, trackExit } from '../test/kafka/child-exit.js';
import { OutputTail, forEachLine } from '../test/kafka/output-tail.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { countMismatches, storeCounts } from './count-truth.js';
import { watchProcessDrain, type ProcessDrainResult } from './drain-watch.js';

export interface CountingRun extends ProcessDrainResult {
  /** Empty when the final table equals the truth. */
  readonly mismatches: readonly string[];
}

export interface StreamdCountingOptions {
  readonly bootstrap: string;
  readonly admin: Admin;
  /** The manifest of the counting app (its table is `counts`, with `partitions` partitions). */
  readonly manifest: string;
  readonly appId: string;
  readonly source: string;
  /** Repartition topics of the app, by name, which the drain also waits for. */
  readonly internal: readonly string[];
  readonly records: number;
  readonly partitions: number;
  /** Node flags for the worker process, e.g. `--cpu-prof`, `--cpu-prof-dir=/tmp/prof`. */
  readonly nodeArgs?: readonly string[];
  /** The node binary of the worker process; default workerNode(). */
  readonly node?: string;
  /** Extra environment for the worker process, e.g. a STREAMD_<SETTING> to compare settings. */
  readonly env?: Readonly<Record<string, string>>;
  /** Another build's dist/cmd/streamd.js (a before/after comparison); default this checkout's. */
  readonly cli?: string;
  /** Checks the stopped worker's stores; default: the `counts` table against the count truth (count-truth.ts). */
  readonly verify?: (manifest: Manifest) => Promise<string[]>;
}

/**
 * The node binary that runs streamd's worker processes: BENCH_STREAMD_NODE (`--node24` sets it to
 * Node 24, the image's runtime), else the one running the bench.
 */
export function workerNode(): string {
  const node = process.env['BENCH_STREAMD_NODE'];
  return node === undefined || node === '' ? process.execPath : node;
}

/** Runs the counting app in a `streamd start` process with a fresh datadir until it has drained, then checks its table. */
export async function streamdCounting(options: StreamdCountingOptions): Promise<CountingRun> {
  const datadir = await mkdtemp(join(tmpdir(), 'streamd-bench-process-'));
  const env = { STREAMD_BROKER: `kafka://${options.bootstrap}`, BENCH_APP_ID: options.appId, BENCH_DATADIR: datadir };
  try {
    const started = performance.now();
    const child = spawn(options.node ?? workerNode(), [...(options.nodeArgs ?? []), options.cli ?? repoPath('dist', 'cmd', 'streamd.js'), 'start', '--manifest', options.manifest, '--web-port', '0', '--log-level', 'warn'], {
      env: { ...process.env, ...options.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = trackExit(child);
    const tail = new OutputTail(40);
    forEachLine(child.stdout, (line) => tail.push(line));
    forEachLine(child.stderr, (line) => tail.push(line));
    let drain: ProcessDrainResult;
    try {
      drain = await watchProcessDrain({ admin: options.admin, group: options.appId, source: options.source, internal: options.internal, pid: child.pid!, startedMs: started, timeoutMs: 600_000 });
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- worker output ---\n${tail.indented(40)}`, { cause: err });
    } finally {
      const exit = await terminate(child, exited, { graceMs: 60_000 });
      if (exit.code !== 0) process.stderr.write(`streamd exited with ${JSON.stringify(exit)}:\n${tail.indented(40)}\n`);
    }
    const manifest = await loadManifest(options.manifest, { env });
    const mismatches = options.verify === undefined ? countMismatches(await storeCounts(manifest, 'counts', options.partitions), options.records) : await options.verify(manifest);
    return { ...drain, mismatches };
  } finally {
    await rm(datadir, { recursive: true, force: true });
  }
}
