// What a worker process cost, read from /proc as `ps` and `time` would: CPU time (utime + stime)
// and peak resident memory (VmHWM). The same reading for every framework, Node or JVM.

import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (getconf CLK_TCK; 100 on Linux x86-64 and arm64). */
const CLOCK_TICKS = 100;

/** utime + stime of `pid` so far, in microseconds. */
export function cpuMicros(pid: number): number {
  return statCpuMicros(`/proc/${pid}/stat`);
}

/**
 * utime + stime of `pid`'s main thread so far, in microseconds: for a Node process the event loop's
 * own time, without libuv's and RocksDB's threads or V8's helpers (a JVM's main thread is not its work).
 */
export function mainThreadCpuMicros(pid: number): number {
  return statCpuMicros(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMicros(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command, which is in parentheses and may contain spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS;
}

/** Peak resident set size of `pid` so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** A worker process's cost over a drain: per record over the whole run and over the steady window. */
export interface ProcessCost {
  readonly cpuMicrosPerRecord: number;
  readonly steadyCpuMicrosPerRecord: number;
  readonly peakRssBytes: number;
}
