// `streamd reset --topics` against the real broker (STREAMD_TEST_KAFKA), run as a subprocess: it deletes
// the app's internal topics and local state, and keeps other versions', other apps' and look-alike topics.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ResetResult } from '../../src/cli/reset-command.js';
import { createDriver } from '../../src/kafka/index.js';
import { RocksdbStore } from '../../src/stores/index.js';
import { tableStorePath } from '../../src/worker/index.js';
import { runStreamd } from '../fixtures/cli/cli-process.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const APP = join('test', 'fixtures', 'cli', 'tables.yaml');

describe('streamd reset --topics on Kafka', { timeout: 120_000 }, () => {
  it('deletes the internal topics of this app version and its local state, and nothing else', async () => {
    const appId = uniqueName('reset');
    const prefix = `${appId}-v2`; // the fixture's version is 2
    const internal = [
      `${prefix}-counts-changelog`,
      `${prefix}-count_page_views-by-page-repartition`,
      `${prefix}-count_page_views-dlq`,
      `${prefix}-reply-0a1b2c3d`,
      `${prefix}-__assignor-__leader`,
    ].sort();
    const kept = [`${appId}-counts-changelog`, `${prefix}-eu-counts-changelog`];
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-reset-kafka-'));
    const broker = `kafka://${brokerAddress()}`;
    const driver = createDriver(broker);
    try {
      const admin = await driver.admin();
      await admin.createTopics([...internal, ...kept].map((topic) => ({ topic, partitions: 1 })));
      const store = await RocksdbStore.open(tableStorePath({ datadir, id: appId, version: 2 }, 'counts', 0));
      await store.write({ puts: [[Buffer.from('k'), Buffer.from('v')]], deletes: [], offset: 0n });
      await store.close();

      const env = { APP_ID: appId, STREAMD_BROKER: broker };
      const refused = await runStreamd(['reset', '--topics', '--manifest', APP, '--datadir', datadir], { env });
      assert.equal(refused.code, 2, refused.stderr);
      for (const topic of internal) assert.match(refused.stdout, new RegExp(`^ +${topic} `, 'm'));
      assert.match(refused.stderr, /--yes/);

      const run = await runStreamd(['reset', '--topics', '--yes', '--json', '--manifest', APP, '--datadir', datadir], { env });
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as ResetResult;
      assert.deepEqual(result.topics?.deleted.map(({ topic }) => topic), internal);
      assert.deepEqual(result.topics?.leftAlone.map(({ topic }) => topic), [`${prefix}-eu-counts-changelog`]);
      assert.equal(result.stateDir.deleted, true);
      assert.equal(existsSync(join(datadir, appId, 'v2')), false);

      // Kafka deletes topics in the background: wait until the listing no longer has them.
      const remaining = await waitFor(async () => {
        const topics = new Set(await admin.listTopics());
        return internal.every((topic) => !topics.has(topic)) && topics;
      }, { timeoutMs: 30_000, message: `the broker to stop listing ${internal.join(', ')}` });
      for (const topic of kept) assert.ok(remaining.has(topic), `${topic} is kept`);
    } finally {
      await (await driver.admin()).deleteTopics(kept).catch(() => undefined);
      await driver.close();
      await rm(datadir, { recursive: true, force: true });
    }
  });
});
