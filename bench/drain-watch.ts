// The neutral outside view of a drain, shared by every drain benchmark: the group's committed
// offsets against the input's end offsets, polled. Never the framework's own counters. For a worker
// in its own process (streamd's CLI, a peer's JVM), also what that process cost, from /proc.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from '../src/kafka/index.js';
import { cpuMicros, peakRssBytes, type ProcessCost } from './proc-stats.js';

export interface DrainResult {
  /** From start until every partition's committed offset reached its end. */
  readonly drainSeconds: number;
  /** Records per second between 10% and 90% of the input committed. */
  readonly steadyRecordsPerSec: number;
}

/** Polls the group's committed offsets until they reach the topic's end offsets. */
export async function watchDrain(admin: Admin, group: string, topic: string, startedMs: number, timeoutMs: number): Promise<DrainResult> {
  const ends = await admin.offsets(topic);
  const total = ends.reduce((sum, p) => sum + Number(p.latest), 0);
  let at10: number | undefined;
  let at90: number | undefined;
  for (;;) {
    const committed = await admin.committedOffsets(group, [topic]);
    const done = committed.reduce((sum, c) => sum + Math.max(0, Number(c.offset)), 0);
    const now = performance.now();
    if (at10 === undefined && done >= total * 0.1) at10 = now;
    if (at90 === undefined && done >= total * 0.9) at90 = now;
    if (done >= total) {
      const steady = at10 !== undefined && at90 !== undefined && at90 > at10 ? (total * 0.8) / ((at90 - at10) / 1000) : total / ((now - startedMs) / 1000);
      return { drainSeconds: (now - startedMs) / 1000, steadyRecordsPerSec: steady };
    }
    if (now - startedMs > timeoutMs) throw new Error(`group ${group} committed ${done} of ${total} records in ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** A drain through internal topics, with what the worker process cost. */
export interface ProcessDrainResult extends DrainResult, ProcessCost {}

export interface ProcessDrainOptions {
  readonly admin: Admin;
  readonly group: string;
  readonly source: string;
  /** Repartition topics the group also consumes: one record on each per source record. */
  readonly internal: readonly string[];
  /** The worker's pid, for its CPU time and peak RSS. */
  readonly pid: number;
  readonly startedMs: number;
  readonly timeoutMs: number;
}

/**
 * Polls until the group has committed the source topic and every internal topic to their end
 * offsets: committed source offsets alone declare a repartitioning app done while the counting
 * side still has the repartition topic to read. Progress is the work committed over every stage:
 * the mean of the topics' committed fractions (each carries one record per source record), so a
 * stage that only starts once another has finished is not hidden by the window. The steady window
 * is 10% → 90% of that, and the worker's CPU time is read at both ends of it and at the end.
 * BENCH_TRACE=1 prints each poll.
 */
export async function watchProcessDrain(options: ProcessDrainOptions): Promise<ProcessDrainResult> {
  const { admin, group, source, internal, pid, startedMs, timeoutMs } = options;
  const total = (await admin.offsets(source)).reduce((sum, p) => sum + Number(p.latest), 0);
  const cpuAtStart = cpuMicros(pid);
  let at10: { ms: number; cpu: number } | undefined;
  let at90: { ms: number; cpu: number } | undefined;
  for (;;) {
    const topics = [source, ...internal];
    const progress = await Promise.all(topics.map((topic) => topicProgress(admin, group, topic)));
    const done = progress.reduce((sum, p) => sum + Math.min(p.committed, total), 0) / progress.length;
    if (process.env['BENCH_TRACE'] !== undefined) process.stderr.write(`trace ${((performance.now() - startedMs) / 1000).toFixed(1)} s ${progress.map((p) => `${p.committed}/${p.end}`).join(' ')} cpu ${((cpuMicros(pid) - cpuAtStart) / 1e6).toFixed(1)}\n`);
    const now = performance.now();
    if (at10 === undefined && done >= total * 0.1) at10 = { ms: now, cpu: cpuMicros(pid) };
    if (at90 === undefined && done >= total * 0.9) at90 = { ms: now, cpu: cpuMicros(pid) };
    if (progress.every((p) => p.end > 0 && p.committed >= p.end) && done >= total) {
      const cpu = cpuMicros(pid);
      const steadyWindow = at10 !== undefined && at90 !== undefined && at90.ms > at10.ms;
      return {
        drainSeconds: (now - startedMs) / 1000,
        steadyRecordsPerSec: steadyWindow ? (total * 0.8) / ((at90!.ms - at10!.ms) / 1000) : total / ((now - startedMs) / 1000),
        cpuMicrosPerRecord: (cpu - cpuAtStart) / total,
        steadyCpuMicrosPerRecord: steadyWindow ? (at90!.cpu - at10!.cpu) / (total * 0.8) : (cpu - cpuAtStart) / total,
        peakRssBytes: peakRssBytes(pid),
      };
    }
    if (now - startedMs > timeoutMs) throw new Error(`group ${group} committed ${progress.map((p, i) => `${topics[i]} ${p.committed}/${p.end}`).join(', ')} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Committed and end offsets of `topic` summed over its partitions; zeros while the topic does not exist yet. */
async function topicProgress(admin: Admin, group: string, topic: string): Promise<{ committed: number; end: number }> {
  try {
    const [ends, committed] = await Promise.all([admin.offsets(topic), admin.committedOffsets(group, [topic])]);
    return {
      committed: committed.reduce((sum, c) => sum + Math.max(0, Number(c.offset)), 0),
      end: ends.reduce((sum, p) => sum + Number(p.latest), 0),
    };
  } catch {
    return { committed: 0, end: 0 };
  }
}
