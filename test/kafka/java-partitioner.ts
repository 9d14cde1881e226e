// Asks Kafka's Java client which partition each key goes to (BuiltInPartitioner.partitionForKey,
// murmur2), via test/kafka/java/PartitionForKey.java. Called by the contract suite and harness.test.ts.
import { spawn } from 'node:child_process';
import { trackExit } from './child-exit.js';
import { HarnessError } from './harness-error.js';
import { javaExecutable } from './java-command.js';
import { forEachLine, OutputTail } from './output-tail.js';
import { repoPath } from './repo-root.js';

/**
 * The partition Kafka's default partitioner picks for each key (UTF-8 bytes) among `partitionCount`
 * partitions, in the order of `keys`. Keys must not contain line breaks. Takes about a second: one
 * JVM compiles and runs the program.
 */
export async function javaPartitionsForKeys(keys: string[], partitionCount: number, classpath: string): Promise<number[]> {
  if (keys.some((key) => /[\r\n]/.test(key))) throw new Error('javaPartitionsForKeys: keys must not contain line breaks');
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw new Error(`invalid partition count ${partitionCount}`);
  const program = repoPath('test', 'kafka', 'java', 'PartitionForKey.java');
  const child = spawn(javaExecutable(), ['-cp', classpath, program, String(partitionCount)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = trackExit(child);
  const partitions: number[] = [];
  const stderr = new OutputTail(40);
  forEachLine(child.stdout, (line) => partitions.push(Number(line)));
  forEachLine(child.stderr, (line) => stderr.push(line));
  child.stdin.on('error', () => undefined); // reported through the exit status below
  child.stdin.end(keys.map((key) => `${key}\n`).join(''), 'utf8');
  const exit = await exited;
  if (exit.spawnError !== undefined || exit.code !== 0 || partitions.length !== keys.length) {
    const how = exit.spawnError?.message ?? `exit code ${String(exit.code)}, ${partitions.length} of ${keys.length} answers`;
    throw new HarnessError(
      'KAFKA_HARNESS_JAVA_FAILED',
      `PartitionForKey.java failed (${how}).\n--- stderr ---\n${stderr.indented(40)}`,
      { cause: exit.spawnError },
    );
  }
  return partitions;
}
