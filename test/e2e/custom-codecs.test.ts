// A custom codec written in TypeScript (test/fixtures/apps/custom-codecs) on the real broker: records a
// plain producer writes as rot13 of JSON reach the agent decoded; `streamd send` encodes with the same
// chain; the agent's output is written through json|rot13 too; a record rot13 refuses goes to the
// dead-letter topic, counted, and the worker carries on with the records after it.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runStreamd } from '../fixtures/cli/cli-process.js';
import { ScratchApp } from './helpers/scratch-app.js';

/** rot13 of ASCII text, as the fixture's codec writes it. */
function rot13(text: string): Buffer {
  return Buffer.from(text.replace(/[A-Za-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - (c <= 'Z' ? 65 : 97) + 13) % 26) + (c <= 'Z' ? 65 : 97))), 'latin1');
}

describe('a custom codec (json|rot13) through streamd start on the real broker', { timeout: 120_000 }, () => {
  let app: ScratchApp | undefined;
  after(async () => app?.close());

  it('decodes what a plain producer wrote, encodes the output, and dead-letters what the codec refuses', async () => {
    app = await ScratchApp.fromFixture('e2e-codecs', 'custom-codecs', ['messages', 'shouted']);
    const [messages, shouted] = [app.topic('messages'), app.topic('shouted')];
    const env = app.env();
    const daemon = await app.start(env);

    // Written the custom way by a plain producer: rot13 of the JSON text. The third is not ASCII.
    const plain = [{ id: 1, text: 'hello' }, { id: 2, text: 'Streams' }];
    const refused = Buffer.from('{"id": 3, "text": "caf\u00e9"}', 'utf8');
    const producer = await app.driver.producer();
    await producer.send([
      ...plain.map((value) => ({ topic: messages, key: Buffer.from(String(value.id)), value: rot13(JSON.stringify(value)) })),
      { topic: messages, key: Buffer.from('3'), value: refused },
      { topic: messages, key: Buffer.from('4'), value: rot13(JSON.stringify({ id: 4, text: 'after the bad one' })) },
    ]);
    const sent = await runStreamd(['send', messages, JSON.stringify({ id: 5, text: 'from the cli' }), '--key', '5', '--manifest', app.manifest], { env });
    assert.equal(sent.code, 0, sent.stderr);

    const collector = await app.collect([shouted, messages, `${app.appId}-shout-dlq`]);
    await collector.until((records) => records.filter((r) => r.topic === shouted).length >= 4 && records.some((r) => r.topic.endsWith('-dlq')), {
      timeoutMs: 60_000,
      message: `four shouted records and one dead letter; the worker:\n${daemon.tail(15)}`,
    });

    // The record `streamd send` wrote is rot13 of the JSON, byte for byte.
    const fromCli = collector.records.find((r) => r.topic === messages && r.key?.toString() === '5')!;
    assert.deepEqual(fromCli.value, rot13(JSON.stringify({ id: 5, text: 'from the cli' })));

    // The agent's output went out through json|rot13: undoing rot13 gives the JSON.
    const output = collector.records.filter((r) => r.topic === shouted);
    const decoded = output.map((r) => JSON.parse(rot13(r.value!.toString('latin1')).toString('latin1')) as { id: number; text: string });
    assert.deepEqual(decoded.sort((a, b) => a.id - b.id), [
      { id: 1, text: 'HELLO' },
      { id: 2, text: 'STREAMS' },
      { id: 4, text: 'AFTER THE BAD ONE' },
      { id: 5, text: 'FROM THE CLI' },
    ]);
    assert.ok(output.every((r) => r.value!.toString('latin1').includes('"grkg":')), 'the output bytes are rot13: "text" is written "grkg"');

    const deadLetters = collector.records.filter((r) => r.topic.endsWith('-dlq'));
    assert.equal(deadLetters.length, 1);
    assert.deepEqual(deadLetters[0]!.value, refused, 'the refused record, unchanged');
    assert.match(deadLetters[0]!.headers['streamd-error']?.toString() ?? '', /codec rot13/);
    assert.equal(await daemon.counter('streamd_decode_errors_total', { topic: messages, policy: 'dlq' }), 1);
    console.log(`custom codecs: ${output.length} records decoded and re-encoded through json|rot13, ${deadLetters.length} refused record dead-lettered`);

    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  });
});
