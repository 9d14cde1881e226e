// Public surface of the Kafka area: the driver port, and `createDriver`, which picks a driver
// from a broker URL (`kafka://h1:9092,h2:9092` or `memory://[name]`).

import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from '../errors/index.js';
import { createKafkajsDriver } from './drivers/kafkajs/index.js';
import { createMemoryDriver } from './drivers/memory/index.js';
import type { KafkaDriver } from './types.js';

export type * from './types.js';
export { murmur2, partitionForKey, Partitioner } from './partitioner.js';
export { roundRobinAssignor } from './round-robin-assignor.js';
export { BufferedProducer, type BufferedProducerOptions } from './buffered-producer.js';
export { DEFAULT_MAX_MESSAGE_BYTES, maxRecordBytes, recordBytes, RecordTooLargeError, splitByBytes } from './record-size.js';
export { connectionOptions, type BrokerConnectionSettings } from './connection-settings.js';
export { BrokerOutage, BrokerUnavailableError, isRetriableFailure, type BrokerOutageOptions, type BrokerOutageState } from './broker-outage.js';

/** SASL credentials, passed through to the client. */
export interface SaslOptions {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** Options of every driver; networked drivers use the connection options, the embedded one ignores them. */
export interface DriverOptions {
  /** Default `streamd`. Appears in broker logs and quotas. */
  readonly clientId?: string;
  /** Default: silent. The driver logs through a child of this logger. */
  readonly logger?: Logger;
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SaslOptions;
  /** Default 10000. */
  readonly connectionTimeoutMs?: number;
  /** Default 30000. */
  readonly requestTimeoutMs?: number;
}

/** Creates the driver named by `url`. Throws `ConfigError` for a URL it cannot use. */
export function createDriver(url: string, options: DriverOptions = {}): KafkaDriver {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url.trim());
  if (!match) throw new ConfigError(`broker URL "${url}" has no scheme: use kafka://host:port[,host:port] or memory://`);
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!.replace(/\/+$/, '');
  switch (scheme) {
    case 'kafka': {
      const brokers = rest.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
      const bad = brokers.find((b) => !/^[^:\s]+:\d+$/.test(b));
      if (brokers.length === 0 || bad !== undefined) {
        throw new ConfigError(`broker URL "${url}": expected kafka://host:port[,host:port], got "${bad ?? rest}"`);
      }
      return createKafkajsDriver(brokers, options);
    }
    case 'memory':
      return createMemoryDriver(rest === '' ? 'default' : rest, options);
    default:
      throw new ConfigError(`broker URL "${url}": unknown scheme "${scheme}://" (expected kafka:// or memory://)`);
  }
}
