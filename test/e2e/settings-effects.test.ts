// Settings that change what a worker does on the real broker, each judged by its effect: topic
// `internal` decides which topics streamd creates (an external one must exist), topicAllowDeclare off
// creates nothing and names what is missing, and commitLivelockSoftTimeoutMs warns with the
// partition and the offset an unacked event holds commits back at.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDriver, type Admin } from '../../src/kafka/index.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { Daemon } from './helpers/daemon.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const HANDLERS = `
// Processes every event but one that asks to stall: that one waits until the worker stops.
export const stall = async function (stream: AsyncIterable<{ stall?: boolean }>, context: { signal: AbortSignal }): Promise<void> {
  for await (const value of stream) {
    if (value.stall === true) await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
  }
};
`;

describe('settings that decide topics and warnings, on the real broker', () => {
  const driver = createDriver(`kafka://${brokerAddress()}`);
  const daemons: Daemon[] = [];
  let admin: Admin;
  let root: string;

  before(async () => {
    admin = await driver.admin();
    root = await mkdtemp(join(tmpdir(), 'settings-effects-'));
    await writeFile(join(root, 'handlers.ts'), HANDLERS);
  });

  after(async () => {
    await Promise.all(daemons.map((d) => d.kill9().catch(() => undefined)));
    await admin.close().catch(() => undefined);
    await driver.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  /** Writes a manifest for a fresh app id whose agent reads `input`; returns its path. */
  async function manifest(appId: string, lines: readonly string[]): Promise<string> {
    const path = join(root, `${appId}.yaml`);
    await writeFile(path, [`id: ${appId}`, `broker: kafka://${brokerAddress()}`, 'store: memory://', `datadir: ${join(root, appId)}`, ...lines, ''].join('\n'));
    return path;
  }

  async function start(path: string, waitReady: boolean): Promise<Daemon> {
    const daemon = await Daemon.start({ manifest: path, args: ['--web-host', '127.0.0.1'], waitReady, readyTimeoutMs: 60_000 });
    daemons.push(daemon);
    return daemon;
  }

  it('creates a missing topic declared internal (the default) as declared, and refuses to start on a missing external one', async () => {
    const appId = uniqueName('e2e-internal');
    const owned = `owned_${appId.replace(/-/g, '_')}`;
    const external = `external_${appId.replace(/-/g, '_')}`;
    const refused = await start(
      await manifest(appId, ['topics:', `  ${owned}: { partitions: 3 }`, `  ${external}: { internal: false }`, 'agents:', `  stall: { topics: [${owned}, ${external}], handler: ./handlers.ts#stall }`]),
      false,
    );
    const exit = await refused.exited;
    assert.equal(exit.code, 2, `a configuration error exits 2:\n${refused.tail()}`);
    assert.match(refused.output.join('\n'), new RegExp(`declared internal: false.*"${external}"`));
    assert.equal((await admin.listTopics()).includes(external), false, 'the external topic was not created');

    await admin.createTopics([{ topic: external, partitions: 3 }]);
    const daemon = await start(await manifest(`${appId}-b`, ['topics:', `  ${owned}: { partitions: 3 }`, `  ${external}: { internal: false }`, 'agents:', `  stall: { topics: [${owned}, ${external}], handler: ./handlers.ts#stall }`]), true);
    const [description] = await admin.describeTopics([owned]);
    assert.equal(description?.partitions, 3, 'the internal topic was created with its declared partitions');
    assert.equal((await daemon.terminate()).code, 0);
  });

  it('with topicAllowDeclare off, creates nothing and names every topic it would have created', async () => {
    const appId = uniqueName('e2e-no-declare');
    const input = `input_${appId.replace(/-/g, '_')}`;
    await admin.createTopics([{ topic: input, partitions: 1 }]);
    const daemon = await start(
      await manifest(appId, ['settings:', '  topicAllowDeclare: false', 'topics:', `  ${input}: { onDecodeError: dlq }`, 'tables:', '  seen: { valueType: integer, default: 0 }', 'agents:', `  stall: { topic: ${input}, handler: ./handlers.ts#stall }`]),
      false,
    );
    assert.equal((await daemon.exited).code, 2, daemon.tail());
    const output = daemon.output.join('\n');
    assert.match(output, /topicAllowDeclare is off/);
    assert.match(output, new RegExp(`"${appId}-stall-dlq"`), 'the dead-letter topic is named');
    assert.match(output, new RegExp(`"${appId}-__assignor-__leader"`), 'the leader topic is named');
    const topics = await admin.listTopics();
    assert.equal(topics.some((t) => t.startsWith(`${appId}-`)), false, `no topic of the app was created: ${topics.filter((t) => t.startsWith(appId)).join(', ')}`);
  });

  it('warns, naming topic, partition and offset, when an unacked event holds commits back past commitLivelockSoftTimeoutMs', async () => {
    const appId = uniqueName('e2e-livelock');
    const input = `input_${appId.replace(/-/g, '_')}`;
    const daemon = await start(
      await manifest(appId, ['settings:', '  commitIntervalMs: 200ms', '  commitLivelockSoftTimeoutMs: 1s', 'topics:', `  ${input}: { partitions: 1 }`, 'agents:', `  stall: { topic: ${input}, handler: ./handlers.ts#stall }`]),
      true,
    );
    const producer = await driver.producer();
    try {
      await producer.send([{ n: 1 }, { stall: true }, { n: 3 }].map((v) => ({ topic: input, partition: 0, value: Buffer.from(JSON.stringify(v)) })));
    } finally {
      await producer.close();
    }
    const warning = await waitFor(() => daemon.logs().find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('commit livelock')), {
      timeoutMs: 30_000,
      message: () => `a commit livelock warning:\n${daemon.tail()}`,
    });
    assert.equal(warning['topic'], input);
    assert.equal(warning['partition'], 0);
    assert.equal(warning['offset'], '1', 'the stalled event is the second record');
    assert.equal(warning['level'], 40);
  });
});
