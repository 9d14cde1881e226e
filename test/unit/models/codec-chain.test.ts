// Codec chains (`json|gzip`, `binary`): parsing, both directions, and what bytes a chain cannot undo.

import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { DecodeError, chainCodec, createTopicCodecs, formatCodecChain, jsonCodec, parseCodecChain, rawCodec } from '../../../src/models/index.js';

describe('parseCodecChain', () => {
  it('reads a serializer, then byte codecs in encoding order', () => {
    assert.deepEqual(parseCodecChain('json|gzip'), { serializer: 'json', byteCodecs: ['gzip'] });
    assert.deepEqual(parseCodecChain(' json | gzip | binary '), { serializer: 'json', byteCodecs: ['gzip', 'binary'] });
    assert.deepEqual(parseCodecChain('raw'), { serializer: 'raw', byteCodecs: [] });
  });

  it('reads a chain that starts with a byte codec as raw bytes (binary is raw|binary)', () => {
    assert.deepEqual(parseCodecChain('binary'), { serializer: 'raw', byteCodecs: ['binary'] });
    assert.equal(formatCodecChain({ serializer: 'raw', byteCodecs: ['binary'] }), 'raw|binary');
  });

  it('names an unknown codec and a serializer out of first place', () => {
    const unknown = parseCodecChain('json|gzp');
    assert.ok('problem' in unknown);
    assert.equal(unknown.name, 'gzp');
    assert.match(unknown.problem, /unknown codec "gzp" in "json\|gzp"; codecs: json, raw, string, gzip, binary/);
    const misplaced = parseCodecChain('raw|json');
    assert.ok('problem' in misplaced);
    assert.equal(misplaced.name, 'json');
  });
});

describe('chainCodec', () => {
  it('json|gzip writes gzip bytes whose content is the JSON, and reads them back', () => {
    const codec = chainCodec(jsonCodec('value'), ['gzip']);
    const bytes = codec.encode({ n: 1, s: 'é' })!;
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b]);
    assert.equal(gunzipSync(bytes).toString('utf8'), '{"n":1,"s":"é"}');
    assert.deepEqual(codec.decode(bytes), { n: 1, s: 'é' });
    assert.deepEqual(codec.decode(gzipSync(Buffer.from('[1,2]'))), [1, 2]);
  });

  it('binary writes base64 text of the bytes and reads it back', () => {
    const codec = chainCodec(rawCodec('value'), ['binary']);
    const bytes = codec.encode(Buffer.from([0, 255, 7]))!;
    assert.equal(bytes.toString('latin1'), 'AP8H');
    assert.deepEqual(codec.decode(bytes), Buffer.from([0, 255, 7]));
  });

  it('decodes right to left: json|gzip|binary is base64 of gzip of JSON', () => {
    const codec = chainCodec(jsonCodec('value'), ['gzip', 'binary']);
    const bytes = codec.encode('hi')!;
    assert.equal(gunzipSync(Buffer.from(bytes.toString('latin1'), 'base64')).toString(), '"hi"');
    assert.equal(codec.decode(bytes), 'hi');
  });

  it('passes a tombstone through untouched', () => {
    const codec = chainCodec(jsonCodec('value'), ['gzip']);
    assert.equal(codec.encode(null), null);
    assert.equal(codec.decode(null), null);
  });

  it('refuses bytes a byte codec cannot undo with invalid_encoding', () => {
    const zipped = chainCodec(jsonCodec('value'), ['gzip']);
    assert.throws(() => zipped.decode(Buffer.from('{"plain":true}')), (error: unknown) => {
      assert.ok(error instanceof DecodeError);
      assert.equal(error.reason, 'invalid_encoding');
      assert.equal(error.part, 'value');
      assert.match(error.message, /value \(14 bytes\) is not what codec gzip reads/);
      return true;
    });
    const based = chainCodec(rawCodec('key'), ['binary']);
    assert.throws(() => based.decode(Buffer.from('not base64!')), (error: unknown) => error instanceof DecodeError && error.reason === 'invalid_encoding' && error.part === 'key');
  });
});

describe('createTopicCodecs with byte codecs', () => {
  it('wraps the model check inside the chain, both ways', () => {
    const codecs = createTopicCodecs({ valueType: 'integer', valueByteCodecs: ['gzip'], keyType: 'string', keyByteCodecs: ['binary'] });
    assert.equal(codecs.value.decode(codecs.value.encode(42)), 42);
    assert.throws(() => codecs.value.decode(gzipSync(Buffer.from('"x"'))), (error: unknown) => error instanceof DecodeError && error.reason === 'schema');
    assert.equal(codecs.key.encode('k')!.toString('latin1'), 'aw==');
    assert.equal(codecs.key.decode(Buffer.from('aw==')), 'k');
  });
});
