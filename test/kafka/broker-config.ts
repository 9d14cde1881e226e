// The single-node KRaft broker's server.properties and JVM flags (kafka-broker.md §4.2), tuned for
// test speed. Used by broker.ts.

export interface ServerPropertiesInput {
  port: number;
  controllerPort: number;
  logDir: string;
  /**
   * Replace or add broker settings (e.g. the benchmarks' num.partitions=6). `{port}` and
   * `{controllerPort}` in a value stand for the ports chosen at start (e.g. to add a listener).
   */
  overrides?: Record<string, string>;
}

/**
 * server.properties for a combined broker+controller with a static quorum of one voter.
 *
 * auto.create.topics.enable=false: tests and streamd create every topic explicitly with a known
 * partition count (ARCHITECTURE.md §6: internal topics have explicit counts), so a misspelt topic fails
 * loudly instead of silently appearing with num.partitions. Override it when a test needs it.
 */
export function serverProperties(input: ServerPropertiesInput): string {
  const settings = new Map<string, string>([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', `1@127.0.0.1:${input.controllerPort}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${input.port},CONTROLLER://127.0.0.1:${input.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${input.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', input.logDir],
    ['num.partitions', '1'],
    ['default.replication.factor', '1'],
    ['min.insync.replicas', '1'],
    ['offsets.topic.replication.factor', '1'],
    // Defaults are 50 each: loading 50 coordinator partitions is the main first-test delay.
    ['offsets.topic.num.partitions', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['transaction.state.log.num.partitions', '1'],
    // The default 3000 ms would be added to every first group join.
    ['group.initial.rebalance.delay.ms', '0'],
    // Lets tests use short session timeouts.
    ['group.min.session.timeout.ms', '1000'],
    ['num.network.threads', '2'],
    ['num.io.threads', '2'],
    ['num.recovery.threads.per.data.dir', '1'],
    ['auto.create.topics.enable', 'false'],
    // Compaction tests see the cleaner run within a second instead of 15 s.
    ['log.cleaner.backoff.ms', '1000'],
  ]);
  for (const [key, value] of Object.entries(input.overrides ?? {})) {
    settings.set(key, value.replaceAll('{port}', String(input.port)).replaceAll('{controllerPort}', String(input.controllerPort)));
  }
  return [...settings].map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

export interface JvmFlagsInput {
  heapMb: number;
  /** Startup-optimised flags (C1 only, serial GC); false for throughput baselines (C2, G1). */
  jvmFast: boolean;
  log4jConfigUrl: string;
}

/** JVM flags placed before `-cp … <main class>`. */
export function jvmFlags(input: JvmFlagsInput): string[] {
  const flags = [
    `-Xms${Math.min(256, input.heapMb)}m`,
    `-Xmx${input.heapMb}m`,
    '-Djava.awt.headless=true',
    '-XX:+ExitOnOutOfMemoryError',
    `-Dlog4j.configuration=${input.log4jConfigUrl}`,
  ];
  if (input.jvmFast) flags.push('-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1');
  return flags;
}
