// Custom codecs (Faust's codecs.register) in chains: where each kind goes, both directions beside the
// built-ins, and what a codec that throws (or returns something other than bytes) becomes.

import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import {
  DecodeError,
  EncodeError,
  ModelRegistry,
  createTopicCodecs,
  customCodecProblem,
  decodeRecord,
  parseCodecChain,
  resolveCodecChain,
  type BytesCodec,
  type CustomCodec,
  type ValueCodec,
} from '../../../src/models/index.js';

const rotate = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.map((b) => (b >= 97 && b <= 122 ? ((b - 84) % 26) + 97 : b >= 65 && b <= 90 ? ((b - 52) % 26) + 65 : b)));

/** rot13 that refuses bytes that are not printable ASCII. */
const rot13: BytesCodec = {
  encode: rotate,
  decode(bytes) {
    if (bytes.some((b) => b < 0x20 || b > 0x7e)) throw new Error('not printable ASCII');
    return rotate(bytes);
  },
};

/** A serializer of `{ n }` as `n=<n>` text. */
const pairs: ValueCodec<{ n: number }> = {
  kind: 'value',
  encode: (value) => Buffer.from(`n=${value.n}`),
  decode(bytes) {
    const match = /^n=(-?\d+)$/.exec(bytes.toString('latin1'));
    if (match === null) throw new Error(`"${bytes.toString('latin1')}" is not n=<number>`);
    return { n: Number(match[1]) };
  },
};

const custom = new Map<string, CustomCodec>([['rot13', rot13], ['pairs', pairs]]);
const position = { topic: 't', partition: 0, offset: 7n };

describe('custom codecs in chains', () => {
  it('parses custom names anywhere and places them by kind once loaded', () => {
    assert.deepEqual(parseCodecChain('json|rot13|gzip', ['rot13']), { serializer: 'json', byteCodecs: ['rot13', 'gzip'] });
    const alone = parseCodecChain('rot13', ['rot13']);
    assert.ok('serializer' in alone);
    assert.deepEqual(resolveCodecChain(alone, custom), { serializer: 'raw', byteCodecs: ['rot13'] }, 'a byte codec alone works on raw bytes');
    assert.deepEqual(resolveCodecChain({ serializer: 'pairs', byteCodecs: ['gzip'] }, custom), { serializer: 'pairs', byteCodecs: ['gzip'] });
    const misplaced = resolveCodecChain({ serializer: 'json', byteCodecs: ['pairs'] }, custom);
    assert.ok('problem' in misplaced);
    assert.match(misplaced.problem, /custom codec "pairs" has kind 'value'.*can only come first in "json\|pairs"/);
    const unknown = parseCodecChain('json|rto13', ['rot13']);
    assert.ok('problem' in unknown);
    assert.match(unknown.problem, /unknown codec "rto13".*gzip, binary, rot13/);
  });

  it('json|rot13|gzip encodes left to right and decodes right to left', () => {
    const { value } = createTopicCodecs({ valueSerializer: 'json', valueByteCodecs: ['rot13', 'gzip'], customCodecs: custom });
    const bytes = value.encode({ text: 'Hello' })!;
    assert.equal(gunzipSync(bytes).toString('latin1'), '{"grkg":"Uryyb"}');
    assert.deepEqual(value.decode(bytes), { text: 'Hello' });
  });

  it('a value codec serializes, checks the declared model, and chains with built-in byte codecs', () => {
    const models = new ModelRegistry(new Map([['Count', { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 0 } } }]]));
    const { value } = createTopicCodecs({ valueType: 'Count', valueSerializer: 'pairs', valueByteCodecs: ['binary'], models, customCodecs: custom });
    const bytes = value.encode({ n: 12 })!;
    assert.equal(bytes.toString('latin1'), Buffer.from('n=12').toString('base64'));
    assert.deepEqual(value.decode(bytes), { n: 12 });
    assert.throws(() => value.encode({ n: -1 }), (error: unknown) => error instanceof EncodeError && error.reason === 'schema');
    assert.throws(() => value.decode(Buffer.from(Buffer.from('n=-3').toString('base64'))), (error: unknown) => error instanceof DecodeError && error.reason === 'schema');
  });

  it('bytes a custom codec refuses are an invalid_encoding DecodeError at the record, naming the codec', () => {
    const codecs = createTopicCodecs({ valueSerializer: 'json', valueByteCodecs: ['rot13'], customCodecs: custom });
    const record = { ...position, key: null, value: Buffer.from('{"a":"\u00e9"}', 'utf8') };
    assert.throws(() => decodeRecord(codecs, record), (error: unknown) => {
      assert.ok(error instanceof DecodeError);
      assert.equal(error.code, 'STREAMD_DECODE');
      assert.equal(error.reason, 'invalid_encoding');
      assert.equal(error.expected, 'codec rot13');
      assert.match(error.message, /^t\/0@7: value \(\d+ bytes\) is not what codec rot13 reads: not printable ASCII/);
      return true;
    });
    const serializer = createTopicCodecs({ valueSerializer: 'pairs', customCodecs: custom });
    assert.throws(() => serializer.value.decode(Buffer.from('nope')), (error: unknown) => error instanceof DecodeError && error.reason === 'invalid_encoding' && /is not n=<number>/.test(error.message));
  });

  it('a codec that throws, or returns something other than bytes, fails the encode with STREAMD_ENCODE', () => {
    const throwing: BytesCodec = { encode: () => { throw new Error('boom'); }, decode: (bytes) => bytes };
    const asynchronous = { encode: (bytes: Buffer) => Promise.resolve(bytes), decode: (bytes: Buffer) => bytes } as unknown as BytesCodec;
    for (const [codec, message] of [[throwing, /codec bad failed: boom/], [asynchronous, /codec bad failed: codec bad's encode returned a Promise \(codecs are synchronous\)/]] as const) {
      const { value } = createTopicCodecs({ valueSerializer: 'json', valueByteCodecs: ['bad'], customCodecs: new Map([['bad', codec]]) });
      assert.throws(() => value.encode({ a: 1 }), (error: unknown) => error instanceof EncodeError && error.code === 'STREAMD_ENCODE' && message.test(error.message));
    }
    const lying = { decode: () => 'text', encode: (bytes: Buffer) => bytes } as unknown as BytesCodec;
    const { value } = createTopicCodecs({ valueSerializer: 'json', valueByteCodecs: ['lying'], customCodecs: new Map([['lying', lying]]) });
    assert.throws(() => value.decode(Buffer.from('{}')), (error: unknown) => error instanceof DecodeError && /returned a string, not bytes/.test(error.message));
  });

  it('passes a tombstone through without calling the codec', () => {
    const never: BytesCodec = { encode: () => assert.fail('encode called'), decode: () => assert.fail('decode called') };
    const { value } = createTopicCodecs({ valueSerializer: 'json', valueByteCodecs: ['never'], customCodecs: new Map([['never', never]]), nullValues: true });
    assert.equal(value.encode(null), null);
    assert.equal(value.decode(null), null);
  });

  it('refuses at build a value codec out of first place, and a custom serializer under type bytes', () => {
    assert.throws(() => createTopicCodecs({ valueSerializer: 'json', valueByteCodecs: ['pairs'], customCodecs: custom }), /valueSerializer: custom codec "pairs" has kind 'value'/);
    assert.throws(() => createTopicCodecs({ keyType: 'bytes', keySerializer: 'pairs', customCodecs: custom }), /type bytes needs serializer raw, not pairs/);
  });

  it('says what an export lacks to be a codec', () => {
    assert.equal(customCodecProblem(rot13), undefined);
    assert.equal(customCodecProblem(pairs), undefined);
    assert.match(customCodecProblem({ encode: () => Buffer.alloc(0) }) ?? '', /^has no decode function/);
    assert.match(customCodecProblem({}) ?? '', /^has no encode and no decode function/);
    assert.match(customCodecProblem(() => undefined) ?? '', /^is a function, not a codec/);
    assert.match(customCodecProblem({ kind: 'text', encode: rotate, decode: rotate }) ?? '', /^has kind "text"/);
  });
});
