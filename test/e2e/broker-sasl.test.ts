// The SASL settings against a broker of its own with a SASL_PLAINTEXT listener (PLAIN) beside its
// plaintext one: streamd given the user and password as the chart gives them (STREAMD_BROKER_SASL_*)
// joins, counts a view sent through the plaintext listener and answers it from its table; with a
// wrong password it exits 1 saying the broker refused the authentication.

import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDriver } from '../../src/kafka/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { TestBroker } from '../kafka/broker.js';
import { findFreePorts } from '../kafka/free-ports.js';
import { repoPath } from '../kafka/repo-root.js';
import { Daemon } from './helpers/daemon.js';

const USER = 'streamd';
const PASSWORD = 'streamd-secret';

describe('SASL to the brokers', () => {
  let broker: TestBroker | undefined;
  const daemons: Daemon[] = [];
  const dir = mkdtemp(join(tmpdir(), 'streamd-sasl-'));
  after(async () => {
    await Promise.all(daemons.map((d) => d.kill9().catch(() => undefined)));
    await broker?.stop();
    await rm(await dir, { recursive: true, force: true });
  });

  it('authenticates with the configured user and password, and exits 1 on a wrong password', { timeout: 180_000 }, async () => {
    const [saslPort] = await findFreePorts(1);
    const classpath = process.env['STREAMD_TEST_KAFKA_CLASSPATH'];
    broker = await TestBroker.start({
      ...(classpath === undefined || classpath === '' ? {} : { classpath }),
      overrides: {
        listeners: `PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:{controllerPort}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config':
          `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_${USER}="${PASSWORD}";`,
      },
    });
    // The page-views example as it is; the broker and state directory from the environment.
    const app = join(await dir, 'app');
    await cp(repoPath('manifests', 'page-views'), app, { recursive: true, filter: (source) => !/\/(data|\.streamd)$/.test(source) });
    const manifest = join(app, 'app.yaml');
    const env = (password: string, datadir: string): Record<string, string> => ({
      STREAMD_BROKER: `kafka://127.0.0.1:${saslPort}`,
      STREAMD_DATADIR: datadir,
      STREAMD_BROKER_SASL_MECHANISM: 'plain',
      STREAMD_BROKER_SASL_USERNAME: USER,
      STREAMD_BROKER_SASL_PASSWORD: password,
      STREAMD_COMMIT_INTERVAL_MS: '200',
    });

    const refused = await Daemon.start({ manifest, env: env('wrong', join(await dir, 'refused')), waitReady: false });
    daemons.push(refused);
    let refusedExit: Awaited<Daemon['exited']> | undefined;
    void refused.exited.then((e) => (refusedExit = e));
    const exit = await waitFor(() => refusedExit, { timeoutMs: 60_000, intervalMs: 100, message: () => `streamd with a wrong password to exit:\n${refused.tail()}` });
    assert.deepEqual(exit, { code: 1, signal: null }, refused.tail());
    assert.match(refused.output.join('\n'), /SASL PLAIN authentication failed|Authentication failed/i, 'the broker refused the authentication, and the output says so');

    const daemon = await Daemon.start({ manifest, env: env(PASSWORD, join(await dir, 'data')), readyTimeoutMs: 90_000 });
    daemons.push(daemon);
    const driver = createDriver(`kafka://${broker.bootstrap}`);
    try {
      const producer = await driver.producer();
      await producer.send([{ topic: 'page_views', key: Buffer.from('ada'), value: Buffer.from(JSON.stringify({ id: '/sasl', user: 'ada' })) }]);
      await producer.close();
    } finally {
      await driver.close();
    }
    let last = '';
    await waitFor(async () => {
      const response = await fetch(`${daemon.url}/tables/page_counts/keys/${encodeURIComponent('/sasl')}`);
      last = `${response.status} ${await response.text()}`;
      return response.status === 200 && last.includes('"value":1');
    }, { timeoutMs: 60_000, intervalMs: 200, message: () => `the view counted through the SASL connection (last answer: ${last})` });
    assert.deepEqual(await daemon.terminate(60_000), { code: 0, signal: null });
  });
});
