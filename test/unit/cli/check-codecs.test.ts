// `streamd check` and `streamd send` with custom codecs (`codecs:`): check loads the codec modules and
// reports an unknown codec name, a missing export and an object that is not a codec in one run with
// the manifest's other problems; a value codec out of place once the codecs load; send encodes with
// the chain, and a codec that throws is STREAMD_ENCODE.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import { encodePart } from '../../../src/cli/send-value.js';
import type { CustomCodec } from '../../../src/models/index.js';
import { fakeIo, inspectDeps } from './fixture.js';

const CODECS = `
export const rot13 = { kind: 'bytes', encode: (b: Buffer) => b, decode: (b: Buffer) => b };
export const halfCodec = { encode: (b: Buffer) => b };
export const upper = { kind: 'value', encode: (v: unknown) => Buffer.from(String(v)), decode: (b: Buffer) => b.toString() };
`;
const HANDLERS = 'export async function* shout(stream: AsyncIterable<unknown>) { for await (const v of stream) yield v; }\n';

interface Problem { line: number; column: number; path: string; message: string; hint?: string }

describe('streamd check with custom codecs', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function check(manifest: string): Promise<{ code: number; problems: Problem[]; codecs?: string[] }> {
    const dir = await mkdtemp(join(tmpdir(), 'streamd-check-codecs-'));
    dirs.push(dir);
    await writeFile(join(dir, 'codecs.ts'), CODECS);
    await writeFile(join(dir, 'handlers.ts'), HANDLERS);
    await writeFile(join(dir, 'app.yaml'), manifest);
    const fake = fakeIo();
    const code = await runCli(['check', '--manifest', join(dir, 'app.yaml'), '--json'], fake.io, inspectDeps);
    const out = JSON.parse(fake.stdout()) as { problems?: Problem[]; codecs?: string[] };
    return { code, problems: out.problems ?? [], ...(out.codecs === undefined ? {} : { codecs: out.codecs }) };
  }

  it('reports an unknown name, a missing export, a non-codec and an unknown topic in one run', async () => {
    const { code, problems } = await check([
      'id: bad',
      'codecs:',
      '  rot13: ./codecs.ts#rot31',
      '  half: ./codecs.ts#halfCodec',
      'topics:',
      '  messages:',
      '    valueSerializer: json|rto13',
      'agents:',
      '  shout:',
      '    topic: mesages',
      '    handler: ./handlers.ts#shout',
      '',
    ].join('\n'));
    assert.equal(code, 2);
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.deepEqual([...byPath.keys()].sort(), ['agents.shout.topic', 'codecs.half', 'codecs.rot13', 'topics.messages.valueSerializer']);
    const unknown = byPath.get('topics.messages.valueSerializer')!;
    assert.deepEqual([unknown.line, unknown.column], [7, 22]);
    assert.match(unknown.message, /unknown codec "rto13"/);
    assert.equal(unknown.hint, 'did you mean "rot13"?');
    const missing = byPath.get('codecs.rot13')!;
    assert.deepEqual([missing.line, missing.column], [3, 22]);
    assert.match(missing.message, /codec module "\.\/codecs\.ts" has no export "rot31"/);
    assert.match(missing.hint ?? '', /did you mean "rot13"\?/);
    assert.match(byPath.get('codecs.half')!.message, /codec export "halfCodec" of "\.\/codecs\.ts" has no decode function/);
  });

  it('reports a value codec after a serializer once the codecs load, and a built-in name taken', async () => {
    const { code, problems } = await check([
      'id: bad',
      'codecs:',
      '  upper: ./codecs.ts#upper',
      '  gzip: ./codecs.ts#rot13',
      'topics:',
      '  messages:',
      '    valueSerializer: json|upper',
      '',
    ].join('\n'));
    assert.equal(code, 2);
    assert.deepEqual(problems.map((p) => p.path).sort(), ['codecs.gzip', 'topics.messages']);
    assert.match(problems.find((p) => p.path === 'topics.messages')!.message, /custom codec "upper" has kind 'value'.*only come first in "json\|upper"/);
    assert.match(problems.find((p) => p.path === 'codecs.gzip')!.message, /"gzip" is a built-in codec/);
  });

  it('passes a manifest whose codecs load and fit their chains', async () => {
    const { code, codecs } = await check('id: good\ncodecs:\n  rot13: ./codecs.ts#rot13\n  upper: ./codecs.ts#upper\ntopics:\n  a: { valueSerializer: json|rot13 }\n  b: { valueSerializer: upper|gzip }\n');
    assert.equal(code, 0);
    assert.deepEqual(codecs, ['rot13 (./codecs.ts#rot13)', 'upper (./codecs.ts#upper)'], 'check lists the codecs');
  });
});

describe('streamd send with custom codecs', () => {
  const shift: CustomCodec = { encode: (bytes) => bytes.map((b) => b + 1), decode: (bytes) => bytes.map((b) => b - 1) };
  const failing: CustomCodec = { kind: 'value', encode: () => { throw new Error('cannot write this'); }, decode: () => null };
  const custom = new Map<string, CustomCodec>([['shift', shift], ['failing', failing]]);

  it('encodes with the chain, custom codecs included', () => {
    assert.equal(encodePart({ a: 1 }, 'json', ['shift'], custom).toString('latin1'), '|#b#;2~');
  });

  it('refuses a value its codec cannot encode with STREAMD_ENCODE (exit 2)', () => {
    assert.throws(() => encodePart({ a: 1 }, 'failing', [], custom), (error: unknown) => {
      assert.equal((error as { code?: unknown }).code, 'STREAMD_ENCODE');
      assert.equal((error as { exitCode?: unknown }).exitCode, 2);
      assert.match((error as Error).message, /codec failing failed: cannot write this/);
      return true;
    });
  });
});
