// TestBroker: a real single-node Apache Kafka (KRaft, broker and controller in one JVM) on free
// ports with a fresh temp data directory. Started by run-tests.ts, cli.ts, harness.test.ts and bench.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serverProperties, jvmFlags } from './broker-config.js';
import { waitForAdmin } from './broker-readiness.js';
import type { ChildExit } from './child-exit.js';
import { startDeadline, untilAborted, type Deadline } from './deadline.js';
import { findFreePorts, isPortFree } from './free-ports.js';
import { HarnessError } from './harness-error.js';
import { javaExecutable } from './java-command.js';
import { ensureKafkaJars, KAFKA_VERSION } from './jars.js';
import { JvmProcess } from './jvm-process.js';
import { repoPath } from './repo-root.js';

/** Heap for the broker JVM. Too low: OOM under bench load; too high: wasted RAM on 2-core CI runners. */
const DEFAULT_HEAP_MB = 512;
/** Format plus start plus first admin answer; usually 3–4 s, slow CI machines take longer. */
const READY_TIMEOUT_MS = 60_000;
/** SIGTERM grace before SIGKILL. Kafka's controlled shutdown takes a few seconds on one node. */
const STOP_GRACE_MS = 15_000;
/** A free port may be taken between our probe and the JVM's bind; then the whole start is retried. */
const START_ATTEMPTS = 3;
const BIND_FAILURE = /BindException|Address already in use/;
const STARTED_LINE = /Kafka Server started/;

export interface TestBrokerOptions {
  /** Receives the JVM's output lines (WARN and above, plus the started line). */
  log?: (line: string) => void;
  /** Maximum heap in MiB; default 512. */
  heapMb?: number;
  /** Startup-optimised JVM (C1 only, serial GC); default true. Benchmarks pass false. */
  jvmFast?: boolean;
  /** server.properties settings that replace or extend the test defaults (broker-config.ts). */
  overrides?: Record<string, string>;
  /** Client port to listen on; default a free one. The controller port is always a free one. */
  port?: number;
  /** `java -cp` value with the Kafka jars; default from ensureKafkaJars(). */
  classpath?: string;
  /** Aborting stops a start in progress and rejects with the abort reason. */
  signal?: AbortSignal;
}

interface TestBrokerParts {
  bootstrap: string;
  port: number;
  options: TestBrokerOptions;
  dataDir: string;
  classpath: string;
  startedMs: number;
  jvm: JvmProcess;
}

/** A running broker. Always call stop(), also on failure paths. */
export class TestBroker {
  /** Kafka version of the broker. */
  readonly version = KAFKA_VERSION;
  /** "127.0.0.1:<port>", for kafkajs `brokers` and STREAMD_TEST_KAFKA. */
  readonly bootstrap: string;
  readonly port: number;

  /** Temp directory with server.properties and the log dir; removed by stop(). */
  readonly dataDir: string;
  readonly classpath: string;
  /** Milliseconds from the first spawn (storage format) until the admin API answered. */
  readonly startedMs: number;
  readonly #options: TestBrokerOptions;
  #jvm: JvmProcess;
  #stopping: Promise<void> | undefined;

  private constructor(parts: TestBrokerParts) {
    this.bootstrap = parts.bootstrap;
    this.port = parts.port;
    this.dataDir = parts.dataDir;
    this.classpath = parts.classpath;
    this.startedMs = parts.startedMs;
    this.#jvm = parts.jvm;
    this.#options = parts.options;
  }

  /** The broker JVM's pid (a new one after `restart()`). */
  get pid(): number {
    const pid = this.#jvm.pid;
    if (pid === undefined) throw new Error('unreachable: a started broker has a pid');
    return pid;
  }

  /** Resolves when the current JVM exits, whether stopped or crashed. */
  get exited(): Promise<ChildExit> {
    return this.#jvm.exited;
  }

  /**
   * Stops the broker as an operator would for maintenance (SIGTERM, SIGKILL after 15 s) and keeps
   * its data directory and ports, so `restart()` brings the same broker back. Clients see it gone.
   */
  async stopKeepingData(): Promise<void> {
    if (this.#stopping !== undefined) throw new HarnessError('KAFKA_HARNESS_STOPPED', 'the broker was stopped for good; it cannot be stopped for a restart');
    await this.#jvm.stop(STOP_GRACE_MS);
  }

  /**
   * Starts the JVM again on the same data directory and ports, after `stopKeepingData()`; resolves
   * once the admin API answers. Returns how long that took, in milliseconds.
   */
  async restart(): Promise<number> {
    if (this.#stopping !== undefined) throw new HarnessError('KAFKA_HARNESS_STOPPED', 'the broker was stopped for good; start a new one');
    const startedAt = performance.now();
    const deadline = startDeadline(
      READY_TIMEOUT_MS,
      () => new HarnessError('KAFKA_HARNESS_BROKER_TIMEOUT', `Kafka broker on ${this.bootstrap} was not ready within ${READY_TIMEOUT_MS / 1000} s after a restart.\n${this.#jvm.tail.indented(40)}`),
      this.#options.signal,
    );
    try {
      this.#jvm = await startJvm(this.classpath, join(this.dataDir, 'server.properties'), this.dataDir, this.bootstrap, deadline, this.#options);
    } finally {
      deadline.dispose();
    }
    return Math.round(performance.now() - startedAt);
  }

  /** Formats storage, starts the JVM and resolves once the admin API answers. */
  static async start(options: TestBrokerOptions = {}): Promise<TestBroker> {
    const classpath = options.classpath ?? (await ensureKafkaJars(jarOptions(options))).classpath;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await TestBroker.#launch(classpath, options);
      } catch (error) {
        if (attempt >= START_ATTEMPTS || !isBindFailure(error)) throw error;
        options.log?.(`test broker: a port was taken, starting again (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
      }
    }
  }

  /** The broker's last output lines, oldest first. */
  outputTail(count = 40): string[] {
    return this.#jvm.tail.lines(count);
  }

  /**
   * SIGTERM, wait up to 15 s, SIGKILL, wait for the exit; then removes the data directory.
   * Memoized: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#jvm.stop(STOP_GRACE_MS);
      } finally {
        await rm(this.dataDir, { recursive: true, force: true, maxRetries: 3 });
      }
    })();
    return this.#stopping;
  }

  static async #launch(classpath: string, options: TestBrokerOptions): Promise<TestBroker> {
    const startedAt = performance.now();
    const [port, controllerPort] = await choosePorts(options.port);
    const dataDir = await mkdtemp(join(tmpdir(), 'streamd-kafka-'));
    const bootstrap = `127.0.0.1:${port}`;
    let jvm: JvmProcess | undefined;
    const deadline = startDeadline(
      READY_TIMEOUT_MS,
      () => new HarnessError(
        'KAFKA_HARNESS_BROKER_TIMEOUT',
        `Kafka broker on ${bootstrap} was not ready within ${READY_TIMEOUT_MS / 1000} s.\n` +
          `--- last broker output ---\n${jvm?.tail.indented(40) ?? '  (not started)'}`,
      ),
      options.signal,
    );
    try {
      const propertiesPath = join(dataDir, 'server.properties');
      const properties = { port, controllerPort, logDir: join(dataDir, 'data') };
      await writeFile(propertiesPath, serverProperties(options.overrides ? { ...properties, overrides: options.overrides } : properties));
      const flags = brokerJvmFlags(options);
      await formatStorage([...flags, '-cp', classpath], propertiesPath, dataDir, deadline, options.log);
      jvm = await startJvm(classpath, propertiesPath, dataDir, bootstrap, deadline, options, (spawned) => (jvm = spawned));
      const startedMs = Math.round(performance.now() - startedAt);
      return new TestBroker({ bootstrap, port, dataDir, classpath, startedMs, jvm, options });
    } catch (error) {
      await jvm?.stop(STOP_GRACE_MS);
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
      throw error;
    } finally {
      deadline.dispose();
    }
  }
}

function brokerJvmFlags(options: TestBrokerOptions): string[] {
  return jvmFlags({
    heapMb: options.heapMb ?? DEFAULT_HEAP_MB,
    jvmFast: options.jvmFast ?? true,
    log4jConfigUrl: pathToFileURL(repoPath('test', 'kafka', 'log4j.properties')).href,
  });
}

/**
 * Spawns the broker JVM on formatted storage and waits for its started line and its admin API.
 * `onSpawned` gets the JVM as soon as it exists, so a failing start can still stop it; a start that
 * fails here stops it itself only when nobody was told.
 */
async function startJvm(
  classpath: string,
  propertiesPath: string,
  dataDir: string,
  bootstrap: string,
  deadline: Deadline,
  options: TestBrokerOptions,
  onSpawned?: (jvm: JvmProcess) => void,
): Promise<JvmProcess> {
  const jvm = new JvmProcess(jvmOptions([...brokerJvmFlags(options), '-cp', classpath, 'kafka.Kafka', propertiesPath], dataDir, options.log));
  onSpawned?.(jvm);
  try {
    await jvm.assertSpawned();
    void jvm.exited.then((exit) => deadline.abort(exitedError('Kafka broker', exit, jvm)));
    await jvm.waitForLine(STARTED_LINE, deadline.signal);
    await waitForAdmin(bootstrap, deadline.signal);
    return jvm;
  } catch (error) {
    if (onSpawned === undefined) await jvm.stop(STOP_GRACE_MS);
    throw error;
  }
}

/** Runs `kafka.tools.StorageTool format` with a fresh cluster id. */
async function formatStorage(
  jvmArgs: string[],
  propertiesPath: string,
  dataDir: string,
  deadline: Deadline,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  const args = [...jvmArgs, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', propertiesPath];
  const format = new JvmProcess(jvmOptions(args, dataDir, log));
  try {
    await format.assertSpawned();
    const exit = await untilAborted(format.exited, deadline.signal);
    if (exit.code !== 0) throw exitedError('Kafka storage format', exit, format);
  } finally {
    await format.stop(1000);
  }
}

function jvmOptions(args: string[], cleanupDir: string, log: ((line: string) => void) | undefined) {
  const base = { java: javaExecutable(), args, cleanupDir };
  return log === undefined ? base : { ...base, log };
}

function jarOptions(options: TestBrokerOptions): { log?: (line: string) => void; signal?: AbortSignal } {
  return {
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/**
 * A cluster id as `kafka-storage random-uuid` prints it: 16 random bytes in base64url. Kafka never
 * hands out ids starting with '-' (they would parse as an option), so neither do we.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function choosePorts(fixedPort: number | undefined): Promise<[number, number]> {
  if (fixedPort !== undefined && !(await isPortFree(fixedPort))) {
    throw new HarnessError('KAFKA_HARNESS_PORT_IN_USE', `port ${fixedPort} on 127.0.0.1 is in use; pick another or leave the port out`);
  }
  for (;;) {
    const [first, second] = await findFreePorts(2);
    if (first === undefined || second === undefined) throw new Error('findFreePorts returned too few ports');
    if (fixedPort === undefined) return [first, second];
    if (first !== fixedPort) return [fixedPort, first];
  }
}

function exitedError(what: string, exit: ChildExit, jvm: JvmProcess): HarnessError {
  const how = exit.code === null ? `signal ${String(exit.signal)}` : `exit code ${exit.code}`;
  return new HarnessError(
    'KAFKA_HARNESS_BROKER_EXITED',
    `${what} exited early (${how}).\n--- last output ---\n${jvm.tail.indented(40)}`,
  );
}

function isBindFailure(error: unknown): boolean {
  return error instanceof HarnessError && error.code === 'KAFKA_HARNESS_BROKER_EXITED' && BIND_FAILURE.test(error.message);
}
