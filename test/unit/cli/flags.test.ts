// Flags: their value parsers (a bad value is commander's usage error) and the mapping of setting
// flags onto the manifest loader's SettingOverrides.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseBrokerUrl, parseLogLevelFlag, parsePartition, parsePort, settingOverrides } from '../../../src/cli/flags.js';

describe('settingOverrides', () => {
  it('maps --broker, --web-port, --web-host and --datadir to their settings', () => {
    assert.deepEqual(settingOverrides({ broker: 'kafka://k:9092', webPort: 7000, webHost: '127.0.0.1', datadir: './state' }), {
      broker: 'kafka://k:9092',
      webPort: 7000,
      webHost: '127.0.0.1',
      datadir: './state',
    });
  });

  it('leaves out the flags that were not given, so the manifest and environment apply', () => {
    assert.deepEqual(settingOverrides({}), {});
    assert.deepEqual(settingOverrides({ webPort: 0 }), { webPort: 0 });
  });
});

describe('flag parsers', () => {
  it('takes ports from 0 to 65535 only', () => {
    assert.equal(parsePort('6066'), 6066);
    assert.equal(parsePort('0'), 0);
    for (const bad of ['abc', '-1', '65536', '1.5', '']) assert.throws(() => parsePort(bad), InvalidArgumentError, bad);
  });

  it('takes non-negative partition numbers', () => {
    assert.equal(parsePartition('3'), 3);
    assert.throws(() => parsePartition('-3'), InvalidArgumentError);
  });

  it('takes log levels case-insensitively, with Faust\'s names', () => {
    assert.equal(parseLogLevelFlag('DEBUG'), 'debug');
    assert.equal(parseLogLevelFlag('warning'), 'warn');
    assert.equal(parseLogLevelFlag('crit'), 'fatal');
    assert.throws(() => parseLogLevelFlag('loud'), /expected one of trace, debug/);
  });

  it('takes kafka:// and memory:// broker URLs only', () => {
    assert.equal(parseBrokerUrl('kafka://a:9092,b:9092'), 'kafka://a:9092,b:9092');
    assert.equal(parseBrokerUrl('memory://'), 'memory://');
    assert.throws(() => parseBrokerUrl('localhost:9092'), InvalidArgumentError);
  });
});
