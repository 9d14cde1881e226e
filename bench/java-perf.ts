// Runs the broker's own perf tools (ProducerPerformance, ConsumerPerformance) from the Kafka jars
// and parses their summaries: the same-run baselines every streamd figure is divided by.

import { spawn } from 'node:child_process';
import { javaExecutable } from '../test/kafka/java-command.js';

export interface JavaPerfResult {
  readonly records: number;
  readonly recordsPerSec: number;
  readonly mbPerSec: number;
  /** ConsumerPerformance only: nMsg.sec, over the whole run with the group join. */
  readonly overallRecordsPerSec?: number;
}

/** Runs `command` to its end and returns its output (stdout and stderr); throws with the output's tail when it fails. */
export async function runCommand(command: string, args: readonly string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${out.slice(-3000)}`);
  return out;
}

export function runJava(classpath: string, mainClass: string, args: readonly string[]): Promise<string> {
  return runCommand(javaExecutable(), ['-Xmx1g', '-cp', classpath, mainClass, ...args]);
}

/** `N records sent, R records/sec (M MB/sec), …` — the last summary line of ProducerPerformance. */
export async function producerPerformance(classpath: string, bootstrap: string, topic: string, records: number, recordSize: number): Promise<JavaPerfResult> {
  const out = await runJava(classpath, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'linger.ms=5', 'enable.idempotence=true',
  ]);
  const summary = [...out.matchAll(/^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/gm)].pop();
  if (summary === undefined) throw new Error(`ProducerPerformance printed no summary:\n${out.slice(-2000)}`);
  return { records: Number(summary[1]), recordsPerSec: Number(summary[2]), mbPerSec: Number(summary[3]) };
}

/**
 * ConsumerPerformance's CSV line: start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec.
 * The fetch.* figures exclude the group join, like the streamd consume figures; nMsg.sec includes it.
 */
export async function consumerPerformance(classpath: string, bootstrap: string, topic: string, records: number, group: string): Promise<JavaPerfResult> {
  const out = await runJava(classpath, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--group', group, '--timeout', '60000',
  ]);
  const line = out.split('\n').find((l) => /^\d{4}-\d\d-\d\d .*,/.test(l.trim()));
  const fields = line?.split(',').map((f) => f.trim());
  if (fields === undefined || fields.length < 10) throw new Error(`ConsumerPerformance printed no summary:\n${out.slice(-2000)}`);
  return { records: Number(fields[4]), recordsPerSec: Number(fields[9]), mbPerSec: Number(fields[8]), overallRecordsPerSec: Number(fields[5]) };
}
