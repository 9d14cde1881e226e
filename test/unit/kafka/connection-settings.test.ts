// The deployment settings that reach the Kafka client and the handler bundler: STREAMD_BROKER_SSL*,
// STREAMD_BROKER_SASL_* and STREAMD_BUILD_DIR, read through the manifest loader as the chart sets
// them, and turned into the kafkajs `ssl`/`sasl` options (the CA file read at start).

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hasCode } from '../../../src/errors/index.js';
import { connectionOptions } from '../../../src/kafka/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { fixture } from '../manifest/fixtures.js';

const app = fixture('app.yaml');
const none = { brokerSsl: false, brokerSslCaFile: '', brokerSaslMechanism: 'none', brokerSaslUsername: '', brokerSaslPassword: '' } as const;

describe('broker connection settings', () => {
  const dir = mkdtemp(join(tmpdir(), 'streamd-conn-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  it('defaults to plaintext without SASL, as before the settings existed', async () => {
    const manifest = await loadManifest(app, { env: {} });
    assert.deepEqual(connectionOptions(manifest.settings), {});
  });

  it('gives kafkajs the SASL mechanism and credentials, and TLS, from the environment variables the chart sets', async () => {
    const manifest = await loadManifest(app, {
      env: { STREAMD_BROKER_SASL_MECHANISM: 'scram-sha-512', STREAMD_BROKER_SASL_USERNAME: 'streamd', STREAMD_BROKER_SASL_PASSWORD: 's3cret', STREAMD_BROKER_SSL: 'true' },
    });
    assert.deepEqual(connectionOptions(manifest.settings), { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'streamd', password: 's3cret' } });
  });

  it('reads the CA file at start and turns TLS on with it; an unreadable one is a configuration error', async () => {
    const ca = join(await dir, 'ca.pem');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const manifest = await loadManifest(app, { env: { STREAMD_BROKER_SSL_CA_FILE: ca } });
    assert.deepEqual(connectionOptions(manifest.settings), { ssl: { ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'] } });
    const missing = join(await dir, 'missing.pem');
    assert.throws(() => connectionOptions({ ...none, brokerSslCaFile: missing }), (error: unknown) => hasCode(error, 'STREAMD_CONFIG') && /brokerSslCaFile.*missing\.pem/.test((error as Error).message));
  });

  it('refuses a SASL mechanism without a user, naming the variables to set', () => {
    assert.throws(() => connectionOptions({ ...none, brokerSaslMechanism: 'plain' }), /STREAMD_BROKER_SASL_USERNAME/);
  });

  it('refuses a mechanism kafkajs does not offer at load time', async () => {
    await assert.rejects(loadManifest(app, { env: { STREAMD_BROKER_SASL_MECHANISM: 'gssapi' } }), /brokerSaslMechanism/);
  });
});

describe('buildDir', () => {
  it('defaults to <datadir>/.cache/handlers (never the app\'s directory), and from STREAMD_BUILD_DIR resolves against the working directory', async () => {
    const manifest = await loadManifest(app, { env: {} });
    assert.equal(manifest.buildDir, join(manifest.datadir, '.cache', 'handlers'));
    assert.ok(!manifest.buildDir.startsWith(join(dirname(app), '.streamd')));
    assert.equal((await loadManifest(app, { env: { STREAMD_BUILD_DIR: 'build' }, cwd: '/var/lib/streamd' })).buildDir, '/var/lib/streamd/build');
  });
});
