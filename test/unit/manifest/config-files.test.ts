// config/manifest.schema.json and config/defaults.yaml agree with each other and with the Settings
// type, so each setting has exactly one default and every setting is overridable by name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfigFiles } from '../../../src/manifest/config-files.js';
import { overridableSettings } from '../../../src/manifest/layers.js';
import type { OverridableSettings, Settings } from '../../../src/manifest/index.js';
import { repoRoot } from './fixtures.js';

type Schema = { properties?: Record<string, Schema>; $defs?: Record<string, Schema>; $ref?: string; default?: unknown };

// Compile-time lists: adding a setting to the type without listing it here fails the build.
const SETTING_KEYS: Record<keyof Settings, true> = {
  commitIntervalMs: true, commitEvery: true, commitLivelockSoftTimeoutMs: true, standbyReplicas: true,
  streamBufferMaxsize: true, shutdownTimeoutMs: true, brokerClientId: true, brokerRequestTimeoutMs: true,
  brokerSsl: true, brokerSslCaFile: true, brokerSaslMechanism: true, brokerSaslUsername: true, brokerSaslPassword: true,
  brokerSessionTimeoutMs: true, brokerHeartbeatIntervalMs: true, brokerRebalanceTimeoutMs: true,
  brokerUnavailableTimeoutMs: true,
  consumerMaxFetchBytes: true, consumerAutoOffsetReset: true, producerLingerMs: true, producerAcks: true,
  producerCompression: true, topicPartitions: true, topicReplicationFactor: true, topicAllowDeclare: true, topicPatternRefreshIntervalMs: true,
  tableCleanupIntervalMs: true, recoveryBufferSize: true, recoveryStallTimeoutMs: true, timezone: true,
  storeWriteBufferBytes: true, storeMaxWriteBuffers: true, storeBlockCache: true, heapHeadroomBytes: true,
};
const OVERRIDABLE_KEYS: Record<keyof OverridableSettings, true> = {
  ...SETTING_KEYS, broker: true, store: true, datadir: true, buildDir: true, processingGuarantee: true,
  webPort: true, webHost: true, webAuthToken: true, webOpenPaths: true, webCanonicalUrl: true,
};

const files = await readConfigFiles(repoRoot());
const schema = files.schema as Schema;
const props = (s: Schema | undefined): Record<string, Schema> => s?.properties ?? {};
const resolveRef = (s: Schema): Schema => (s.$ref === undefined ? s : (schema.$defs?.[s.$ref.replace('#/$defs/', '')] ?? s));

/** Every `default` annotation of the object schema `s`, checked against `defaults`. */
function assertDefaultsMatch(s: Schema | undefined, defaults: Record<string, unknown> | undefined, where: string): number {
  let checked = 0;
  for (const [key, property] of Object.entries(props(s))) {
    if (!('default' in property)) continue;
    assert.deepEqual(defaults?.[key], property.default, `${where}.${key}: schema default differs from config/defaults.yaml`);
    checked += 1;
  }
  return checked;
}

describe('config files', () => {
  it('has schema default annotations equal to config/defaults.yaml', () => {
    const manifestDefaults = files.defaults.manifest as Record<string, Record<string, unknown>>;
    let checked = assertDefaultsMatch(schema, manifestDefaults, 'manifest');
    checked += assertDefaultsMatch(props(schema)['web'], manifestDefaults['web'], 'web');
    checked += assertDefaultsMatch(props(schema)['settings'], manifestDefaults['settings'], 'settings');
    for (const kind of ['topic', 'table', 'agent', 'timer', 'crontab', 'task', 'view']) {
      const declaration = schema.$defs?.[kind];
      for (const [key, property] of Object.entries(props(declaration))) {
        if ('default' in property) {
          assert.deepEqual(files.defaults.declarations[kind]?.[key], property.default, `${kind}.${key}`);
          checked += 1;
        }
      }
    }
    assert.ok(checked > 30, `only ${checked} defaults checked`);
  });

  it('gives every setting of the schema, and nothing else, a default', () => {
    const settingsDefaults = Object.keys(files.defaults.manifest['settings'] ?? {}).sort();
    assert.deepEqual(Object.keys(props(props(schema)['settings'])).sort(), settingsDefaults);
    assert.deepEqual(Object.keys(SETTING_KEYS).sort(), settingsDefaults);
    for (const [key, property] of Object.entries(props(props(schema)['settings']))) {
      assert.ok('default' in resolveRef(property) || 'default' in property, `settings.${key} has no default annotation`);
    }
  });

  it('makes each setting overridable as STREAMD_<NAME>', () => {
    const settings = overridableSettings(files.schema);
    assert.deepEqual(settings.map((s) => s.name).sort(), Object.keys(OVERRIDABLE_KEYS).sort());
    const envNames = new Map(settings.map((s) => [s.name, s.envName]));
    assert.equal(envNames.get('commitIntervalMs'), 'STREAMD_COMMIT_INTERVAL_MS');
    assert.equal(envNames.get('broker'), 'STREAMD_BROKER');
    assert.equal(envNames.get('webPort'), 'STREAMD_WEB_PORT');
    assert.equal(envNames.get('streamBufferMaxsize'), 'STREAMD_STREAM_BUFFER_MAXSIZE');
  });

  it('describes every setting for the reader', () => {
    for (const [key, property] of Object.entries(props(props(schema)['settings']))) {
      assert.ok(typeof (property as { description?: unknown }).description === 'string', `settings.${key} has no description`);
    }
  });
});
