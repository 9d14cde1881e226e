// `streamd send <topic|@agent> [value]`: one message to a topic. With a memory:// broker it goes through
// the running daemon's ingest endpoint; otherwise the CLI produces to Kafka itself with createDriver.

import { hasCode } from '../errors/index.js';
import { connectionOptions, createDriver, type KafkaDriver, type RecordMetadata } from '../kafka/index.js';
import type { Manifest, TypeReference } from '../manifest/index.js';
import { CliError, CliUsageError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './cli-io.js';
import { ingestThroughDaemon, type LandedRecord } from './daemon-client.js';
import { loadForCommand, type InspectFlags } from './inspect-commands.js';
import { displayPath } from './report-error.js';
import { checkValue, encodePart, interpretText, resolveSendTarget, type SendTarget } from './send-value.js';

/** Flags of `streamd send`. */
export interface SendFlags extends InspectFlags {
  readonly key?: string;
  readonly partition?: number;
  /** Send the message this many times; default 1. */
  readonly repeat?: number;
}

const BYTES: TypeReference = { kind: 'builtin', name: 'bytes' };

/** All of stdin as text, without its final newline; a terminal is a usage error (nothing was piped). */
export async function readValueFromStdin(stdin: CliIo['stdin']): Promise<string> {
  if (stdin.isTTY === true) {
    throw new CliUsageError('no value to send: give it as an argument (streamd send <topic> \'{"id": 1}\') or pipe it on stdin');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (text === '') throw new CliUsageError('no value to send: stdin was empty');
  return text;
}

function isMemoryBroker(url: string): boolean {
  return /^memory:\/\//i.test(url.trim());
}

/** Fails fast (instead of the producer's retries) for a missing topic or a partition it does not have. */
async function assertTopicExists(driver: KafkaDriver, broker: string, topic: string, partition: number | undefined): Promise<void> {
  const admin = await driver.admin();
  let partitions: number;
  try {
    partitions = (await admin.describeTopics([topic]))[0]?.partitions ?? 0;
  } catch (error) {
    if (!hasCode(error, 'STREAMD_UNKNOWN_TOPIC')) throw error;
    throw new CliError('STREAMD_UNKNOWN_TOPIC', `topic "${topic}" does not exist on ${broker}; streamd start creates the manifest's topics, or create it yourself`, EXIT_USAGE);
  }
  if (partition !== undefined && partition >= partitions) {
    throw new CliUsageError(`topic "${topic}" has ${partitions} partition${partitions === 1 ? '' : 's'} (0 to ${partitions - 1}); --partition ${partition} is not one of them`);
  }
}

/** The key and value as the topic's codec chains write them; a chain that names custom codecs loads them first. */
async function encodeForTopic(manifest: Manifest, to: SendTarget, key: unknown, value: unknown): Promise<{ key?: Buffer; value: Buffer }> {
  const declared = to.declaration;
  const { loadCodecs, topicUsesCustomCodecs } = await import('./codec-modules.js');
  const custom = declared !== undefined && topicUsesCustomCodecs(manifest, declared) ? await loadCodecs(manifest) : new Map();
  return {
    value: encodePart(value, declared?.valueSerializer ?? 'json', declared?.valueByteCodecs, custom, 'value'),
    ...(key === undefined ? {} : { key: encodePart(key, declared?.keySerializer ?? 'raw', declared?.keyByteCodecs, custom, 'key') }),
  };
}

async function produceToKafka(manifest: Manifest, to: SendTarget, encoded: { key?: Buffer; value: Buffer }, partition: number | undefined, repeat: number): Promise<LandedRecord[]> {
  const driver = createDriver(manifest.broker, { clientId: `${manifest.settings.brokerClientId}-send`, requestTimeoutMs: manifest.settings.brokerRequestTimeoutMs, ...connectionOptions(manifest.settings) });
  let landed: RecordMetadata[] | undefined;
  try {
    await assertTopicExists(driver, manifest.broker, to.topic, partition);
    const producer = await driver.producer();
    const record = {
      topic: to.topic,
      ...encoded,
      ...(partition === undefined ? {} : { partition }),
    };
    landed = await producer.send(Array.from({ length: repeat }, () => record));
  } finally {
    await driver.close();
  }
  if (landed?.length !== repeat) throw new Error(`the producer returned metadata for ${landed?.length ?? 0} of the ${repeat} records it sent`);
  return landed.map((one) => ({ topic: one.topic, partition: one.partition, offset: one.offset.toString() }));
}

/** Runs `streamd send`; prints where the message landed. */
export async function runSend(target: string, valueText: string | undefined, flags: SendFlags, io: CliIo): Promise<number> {
  const manifest = await loadForCommand(flags, io);
  const to = resolveSendTarget(manifest, target);
  const text = valueText ?? (await readValueFromStdin(io.stdin));
  const value = interpretText(text, to.declaration?.valueType);
  const key = flags.key === undefined ? undefined : interpretText(flags.key, to.declaration?.keyType ?? BYTES);

  const repeat = flags.repeat ?? 1;
  const landed: LandedRecord[] = [];
  if (isMemoryBroker(manifest.broker)) {
    const host = ['0.0.0.0', '::', ''].includes(manifest.web.host) ? '127.0.0.1' : manifest.web.host;
    if (manifest.web.port === 0) throw new CliUsageError('web.port is 0 (a free port), so the daemon\'s port is unknown; pass the port it logged with --web-port <n>');
    for (let i = 0; i < repeat; i++) {
      landed.push(await ingestThroughDaemon({
        host,
        port: manifest.web.port,
        target,
        message: { value, ...(key === undefined ? {} : { key }), ...(flags.partition === undefined ? {} : { partition: flags.partition }) },
        ...(manifest.web.authToken === undefined ? {} : { authToken: manifest.web.authToken }),
        manifestPath: displayPath(manifest.sourcePath, io.cwd),
      }));
    }
  } else {
    if (to.declaration !== undefined) {
      checkValue(value, to.declaration.valueType, manifest, 'value');
      if (key !== undefined) checkValue(key, to.declaration.keyType, manifest, 'key');
    }
    const encoded = await encodeForTopic(manifest, to, key, value);
    landed.push(...await produceToKafka(manifest, to, encoded, flags.partition, repeat).catch((error: unknown) => {
      if (error instanceof CliError) throw error;
      throw new CliError('STREAMD_KAFKA', `cannot send to ${manifest.broker}: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILURE, { cause: error });
    }));
  }
  for (const one of landed) {
    if (flags.json === true) io.stdout.write(`${JSON.stringify(one)}\n`);
    else io.stdout.write(`sent to ${one.topic} partition ${one.partition} offset ${one.offset}\n`);
  }
  return EXIT_OK;
}
