// The connection settings of a networked driver (TLS and SASL) from the manifest's `broker*`
// settings: what kafkajs gets as `ssl` and `sasl`. The CA file is read here, once, so a path that
// cannot be read is a configuration error at start, not a TLS failure at the first connection.

import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/index.js';
import type { DriverOptions, SaslOptions } from './index.js';

/** The settings this reads; `Settings` from the manifest has them all. */
export interface BrokerConnectionSettings {
  readonly brokerSsl: boolean;
  /** Empty: the system CAs. A path turns TLS on. */
  readonly brokerSslCaFile: string;
  readonly brokerSaslMechanism: 'none' | SaslOptions['mechanism'];
  readonly brokerSaslUsername: string;
  readonly brokerSaslPassword: string;
}

/** `ssl` and `sasl` driver options for the settings; throws ConfigError for an unreadable CA file or a SASL mechanism without a user. */
export function connectionOptions(settings: BrokerConnectionSettings): Pick<DriverOptions, 'ssl' | 'sasl'> {
  const options: { ssl?: NonNullable<DriverOptions['ssl']>; sasl?: SaslOptions } = {};
  if (settings.brokerSslCaFile !== '') {
    options.ssl = { ca: [readCaFile(settings.brokerSslCaFile)] };
  } else if (settings.brokerSsl) {
    options.ssl = true;
  }
  if (settings.brokerSaslMechanism !== 'none') {
    if (settings.brokerSaslUsername === '') {
      throw new ConfigError(`settings.brokerSaslMechanism is ${settings.brokerSaslMechanism} but settings.brokerSaslUsername is empty: set the user (STREAMD_BROKER_SASL_USERNAME) and password (STREAMD_BROKER_SASL_PASSWORD)`);
    }
    options.sasl = { mechanism: settings.brokerSaslMechanism, username: settings.brokerSaslUsername, password: settings.brokerSaslPassword };
  }
  return options;
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`settings.brokerSslCaFile: cannot read the CA certificates at ${path} (${(error as Error).message})`, { cause: error });
  }
}
