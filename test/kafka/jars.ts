// Fetches the Kafka broker jars with Maven into <repo>/.cache/kafka/<version>/libs, once per machine.
// Called by run-tests.ts, cli.ts and the benchmarks before they start a TestBroker.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { trackExit, terminate } from './child-exit.js';
import { HarnessError } from './harness-error.js';
import { OutputTail, forEachLine } from './output-tail.js';
import { repoPath, repoRoot } from './repo-root.js';

/** The Kafka version of the test broker; passed to Maven as -Dkafka.version, overriding the pom. */
export const KAFKA_VERSION = '3.9.1';

/** Written into libs/ before the directory is renamed into place: its presence means "complete". */
const COMPLETE_MARKER = '.complete';
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
/** Progress lines are throttled to one per interval; a first fetch downloads about 300 files. */
const PROGRESS_INTERVAL_MS = 2000;
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Where the jars are and the `java -cp` value that loads them all. */
export interface KafkaJars {
  classpath: string;
  libsDir: string;
  version: string;
}

export interface EnsureKafkaJarsOptions {
  /** Receives progress lines (only printed when Maven actually runs). */
  log?: (line: string) => void;
  /** Aborting stops Maven and rejects with the abort reason. */
  signal?: AbortSignal;
}

/**
 * Returns the cached Kafka jars, fetching them with Maven first if the cache is not complete.
 * Throws a HarnessError carrying Maven's output tail when `mvn` is missing or fails.
 */
export async function ensureKafkaJars(options: EnsureKafkaJarsOptions = {}): Promise<KafkaJars> {
  const cached = cachedKafkaJars();
  if (cached !== undefined) return cached;
  const versionDir = repoPath('.cache', 'kafka', KAFKA_VERSION);
  const libsDir = join(versionDir, 'libs');
  const jars: KafkaJars = { classpath: join(libsDir, '*'), libsDir, version: KAFKA_VERSION };

  const log = options.log ?? (() => undefined);
  const startedAt = performance.now();
  log(`Kafka ${KAFKA_VERSION} jars: fetching with Maven into ${relative(repoRoot(), libsDir)} (first run only)`);
  await mkdir(versionDir, { recursive: true });
  const tempDir = await mkdtemp(join(versionDir, 'libs.tmp-'));
  try {
    await runMaven(tempDir, log, options.signal);
    const summary = await summarizeJars(tempDir);
    await writeFile(join(tempDir, COMPLETE_MARKER), `Kafka ${KAFKA_VERSION}: ${summary}\n`);
    await chmod(tempDir, 0o755); // mkdtemp made it private
    await moveIntoPlace(tempDir, libsDir);
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    log(`Kafka ${KAFKA_VERSION} jars: ${summary} ready in ${seconds} s`);
    return jars;
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** The jars if a complete copy is already cached, without running Maven. */
export function cachedKafkaJars(): KafkaJars | undefined {
  const libsDir = repoPath('.cache', 'kafka', KAFKA_VERSION, 'libs');
  if (!existsSync(join(libsDir, COMPLETE_MARKER))) return undefined;
  return { classpath: join(libsDir, '*'), libsDir, version: KAFKA_VERSION };
}

async function runMaven(outputDir: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const args = [
    '-B', '-Dstyle.color=never', '-f', repoPath('test', 'kafka', 'pom.xml'),
    DEPENDENCY_PLUGIN, `-DoutputDirectory=${outputDir}`, '-DincludeScope=runtime', `-Dkafka.version=${KAFKA_VERSION}`,
  ];
  const command = `mvn ${args.join(' ')}`;
  const child = spawn('mvn', args, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = trackExit(child);
  const tail = new OutputTail(60);
  const progress = downloadProgress(log);
  const onLine = (raw: string): void => {
    const line = raw.replace(ANSI_ESCAPE, '');
    tail.push(line);
    progress(line);
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  const onAbort = (): void => void terminate(child, exited, { graceMs: 5000 });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await exited;
    signal?.throwIfAborted();
    if (exit.spawnError !== undefined) {
      throw new HarnessError(
        'KAFKA_HARNESS_MAVEN_MISSING',
        `could not run Maven to fetch the Kafka ${KAFKA_VERSION} jars (${exit.spawnError.message}). ` +
          'Install Maven 3.8+ (e.g. apt-get install maven), or download the jars elsewhere into that directory.',
        { cause: exit.spawnError },
      );
    }
    if (exit.code !== 0) {
      const how = exit.code === null ? `signal ${String(exit.signal)}` : `exit code ${exit.code}`;
      throw new HarnessError(
        'KAFKA_HARNESS_MAVEN_FAILED',
        `Maven failed (${how}) fetching the Kafka ${KAFKA_VERSION} jars.\n  command: ${command}\n` +
          `--- last lines of Maven output ---\n${tail.indented(40)}`,
      );
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Turns Maven's "Downloaded from" lines into at most one progress line per interval. */
function downloadProgress(log: (line: string) => void): (line: string) => void {
  let count = 0;
  let lastLoggedAt = performance.now();
  return (line) => {
    const match = /Downloaded from \S+: (\S+)/.exec(line);
    if (match === null) return;
    count += 1;
    const now = performance.now();
    if (now - lastLoggedAt < PROGRESS_INTERVAL_MS) return;
    lastLoggedAt = now;
    log(`  maven: ${count} files downloaded (latest: ${basename(match[1] ?? '')})`);
  };
}

async function summarizeJars(dir: string): Promise<string> {
  const jars = (await readdir(dir)).filter((name) => name.endsWith('.jar'));
  if (jars.length === 0) {
    throw new HarnessError('KAFKA_HARNESS_MAVEN_FAILED', `Maven succeeded but copied no jars into ${dir}`);
  }
  const sizes = await Promise.all(jars.map(async (name) => (await stat(join(dir, name))).size));
  const megabytes = sizes.reduce((sum, size) => sum + size, 0) / 1024 / 1024;
  return `${jars.length} jars (${megabytes.toFixed(0)} MB)`;
}

/**
 * Renames the finished directory into place. If another process got there first with a complete
 * copy, ours is discarded; an incomplete leftover (no marker) is replaced.
 */
async function moveIntoPlace(tempDir: string, libsDir: string): Promise<void> {
  try {
    await rename(tempDir, libsDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    if (existsSync(join(libsDir, COMPLETE_MARKER))) return;
    await rm(libsDir, { recursive: true, force: true });
    await rename(tempDir, libsDir);
  }
}
