// How `streamd send` reads its value and key: JSON when it parses, else a string, except for string
// and bytes types; the bytes written straight to Kafka; the checks against builtins and models.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkValue, encodePart, interpretText, resolveSendTarget } from '../../../src/cli/send-value.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { cliFixture } from './fixture.js';

const load = () => loadManifest(cliFixture('app.yaml'), { env: {} });

describe('send values', () => {
  it('sends to a topic a pattern matches with the pattern\'s declaration, and refuses the pattern itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'send-pattern-'));
    try {
      await writeFile(join(dir, 'app.yaml'), "id: send-pattern\ntopics:\n  orders: { pattern: '^orders-', valueType: integer }\n");
      const manifest = await loadManifest(join(dir, 'app.yaml'), { env: {} });
      const target = resolveSendTarget(manifest, 'orders-eu');
      assert.equal(target.topic, 'orders-eu');
      assert.equal(target.declaration?.name, 'orders');
      assert.throws(() => resolveSendTarget(manifest, 'orders'), /"orders" is a topic pattern \(\^orders-\): send to one of the topics it matches/);
      assert.equal(resolveSendTarget(manifest, 'payments').declaration, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses JSON when it parses and keeps the text otherwise', () => {
    assert.deepEqual(interpretText('{"id": "a"}', undefined), { id: 'a' });
    assert.equal(interpretText('42', { kind: 'builtin', name: 'json' }), 42);
    assert.equal(interpretText('hello', { kind: 'model', name: 'PageView' }), 'hello');
  });

  it('keeps the text as it is for string and bytes types', () => {
    assert.equal(interpretText('42', { kind: 'builtin', name: 'string' }), '42');
    assert.equal(interpretText('"quoted"', { kind: 'builtin', name: 'bytes' }), '"quoted"');
  });

  it('encodes with the serializer: JSON for json, the string itself for string and raw', () => {
    assert.equal(encodePart('hello', 'json').toString(), '"hello"');
    assert.equal(encodePart({ a: 1 }, 'json').toString(), '{"a":1}');
    assert.equal(encodePart('hello', 'string').toString(), 'hello');
    assert.equal(encodePart(42, 'raw').toString(), '42');
  });

  it('rejects a value that does not fit its model or builtin type with STREAMD_ENCODE', async () => {
    const manifest = await load();
    const model = { kind: 'model', name: 'PageView' } as const;
    checkValue({ id: 'a', user: 'b' }, model, manifest, 'value');
    assert.throws(() => checkValue({ id: 'a' }, model, manifest, 'value'), (error: Error & { code?: string; exitCode?: number }) => {
      assert.equal(error.code, 'STREAMD_ENCODE');
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /model "PageView".*user/);
      return true;
    });
    assert.throws(() => checkValue('x', { kind: 'builtin', name: 'integer' }, manifest, 'key'), /key "x" is not of type integer/);
  });

  it('resolves @agent to the agent\'s first topic and lets undeclared topics through', async () => {
    const manifest = await load();
    assert.equal(resolveSendTarget(manifest, '@count_page_views').topic, 'page_views');
    assert.equal(resolveSendTarget(manifest, '@count_page_views').declaration?.name, 'page_views');
    assert.deepEqual(resolveSendTarget(manifest, 'elsewhere'), { target: 'elsewhere', topic: 'elsewhere' });
    assert.throws(() => resolveSendTarget(manifest, '@nope'), /no agent "@nope".*agents: @count_page_views/);
  });
});
