// `streamd send` straight to Kafka (a kafka:// broker): the CLI produces the record itself, encoded
// with the topic's serializers and checked against its model. Needs the test broker (STREAMD_TEST_KAFKA).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDriver } from '../../src/kafka/index.js';
import { runStreamd } from '../fixtures/cli/cli-process.js';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const APP = join('test', 'fixtures', 'cli', 'app.yaml');

describe('streamd send to Kafka', { timeout: 120_000 }, () => {
  it('produces to the broker itself and prints where the record landed', async () => {
    const broker = `kafka://${brokerAddress()}`;
    const topic = uniqueName('cli-send');
    const driver = createDriver(broker);
    try {
      const admin = await driver.admin();
      await admin.createTopics([{ topic, partitions: 2 }]);
      const run = await runStreamd(['send', topic, '{"page": "home"}', '--key', 'home', '--partition', '1', '--json', '--broker', broker, '--manifest', APP]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { topic, partition: 1, offset: '0' });
      const outOfRange = await runStreamd(['send', topic, '1', '--partition', '2', '--broker', broker, '--manifest', APP]);
      assert.equal(outOfRange.code, 2);
      assert.match(outOfRange.stderr, /has 2 partitions \(0 to 1\); --partition 2 is not one of them/);
      const text = await runStreamd(['send', topic, 'plain words', '--broker', broker, '--manifest', APP]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`^sent to ${topic} partition [01] offset \\d+\\n$`));

      const collector = await collectRecords(await driver.consumer({ groupId: uniqueName('cli-send-check') }), [topic]);
      const records = await collector.untilCount(2, { timeoutMs: 30_000 });
      const byValue = new Map(records.map((record) => [record.value?.toString(), record.key?.toString()]));
      assert.equal(byValue.get('{"page":"home"}'), 'home');
      assert.ok(byValue.has('"plain words"'), `values: ${[...byValue.keys()].join(', ')}`);
    } finally {
      await driver.close();
    }
  });

  it('rejects a value that does not fit the topic\'s model before producing (exit 2)', async () => {
    const run = await runStreamd(['send', 'page_views', '{"id": "home"}', '--broker', `kafka://${brokerAddress()}`, '--manifest', APP]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^streamd: value does not fit model "PageView": must have required property 'user'\n$/);
  });

  it('fails at once with exit 2 for a topic the broker does not have', async () => {
    const missing = uniqueName('missing');
    const run = await runStreamd(['send', missing, '1', '--broker', `kafka://${brokerAddress()}`, '--manifest', APP], { timeoutMs: 20_000 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^streamd: topic "${missing}" does not exist on kafka://`));
    assert.doesNotMatch(run.stderr, / {4}at /);
  });
});
