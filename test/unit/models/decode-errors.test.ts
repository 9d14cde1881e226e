// Each DecodeError reason: what triggers it, its part, and a message that says what to fix.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTopicCodecs, DecodeError, decodeRecord, jsonCodec, ModelRegistry, stringCodec, type DecodeReason } from '../../../src/models/index.js';

const models = new ModelRegistry({
  PageView: {
    type: 'object',
    properties: { id: { type: 'string' }, user: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
    required: ['id', 'user'],
  },
});
const codecs = createTopicCodecs({ keyType: 'string', valueType: 'PageView', models });

/** Decodes with `decode` and returns the DecodeError it must throw. */
function decodeFailure(decode: () => unknown, reason: DecodeReason): DecodeError {
  try {
    decode();
  } catch (error) {
    assert.ok(error instanceof DecodeError, `expected a DecodeError, got ${String(error)}`);
    assert.equal(error.code, 'STREAMD_DECODE');
    assert.equal(error.reason, reason);
    assert.equal(error.retriable, false);
    return error;
  }
  return assert.fail('decoding succeeded');
}

describe('DecodeError', () => {
  it('reports invalid JSON with the parser message and the byte count', () => {
    const error = decodeFailure(() => codecs.value.decode(Buffer.from('{"id": "a",')), 'invalid_json');
    assert.equal(error.part, 'value');
    assert.equal(error.byteLength, 11);
    assert.match(error.message, /^value is not valid JSON \(11 bytes\): /);
    assert.ok(error.cause instanceof SyntaxError);
  });

  it('names the failing instancePath and keyword of a schema violation', () => {
    const error = decodeFailure(() => codecs.value.decode(Buffer.from('{"id":"a","user":7}')), 'schema');
    assert.equal(error.message, 'value does not match model "PageView": /user: must be string');
    assert.deepEqual(error.failure, { instancePath: '/user', keyword: 'type', message: 'must be string' });
    assert.equal(error.expected, 'model "PageView"');
  });

  it('points at array elements and missing required properties', () => {
    const nested = decodeFailure(() => codecs.value.decode(Buffer.from('{"id":"a","user":"u","tags":["x",3]}')), 'schema');
    assert.match(nested.message, /: \/tags\/1: must be string$/);
    const missing = decodeFailure(() => codecs.value.decode(Buffer.from('{"id":"a"}')), 'schema');
    assert.match(missing.message, /: \/: must have required property 'user'$/);
  });

  it('treats the JSON text null as a value that must match the model', () => {
    const error = decodeFailure(() => codecs.value.decode(Buffer.from('null')), 'schema');
    assert.match(error.message, /\/: must be object$/);
  });

  it('reports a zero-length value as empty, and says a tombstone is null', () => {
    const error = decodeFailure(() => codecs.value.decode(Buffer.alloc(0)), 'empty');
    assert.equal(error.byteLength, 0);
    assert.match(error.message, /^value is empty \(0 bytes\), but model "PageView" needs a JSON value; a deletion \(tombstone\) is a null value/);
  });

  it('detects invalid UTF-8 before decoding, in json and string codecs, for keys and values', () => {
    const bytes = Buffer.from([0xc3, 0x28]);
    const inValue = decodeFailure(() => codecs.value.decode(bytes), 'invalid_utf8');
    assert.equal(inValue.message, 'value is not valid UTF-8 (2 bytes: c3 28); use serializer raw (type bytes) for binary data');
    const inKey = decodeFailure(() => codecs.key.decode(bytes), 'invalid_utf8');
    assert.equal(inKey.part, 'key');
    decodeFailure(() => stringCodec().decode(Buffer.from([0x61, 0xff])), 'invalid_utf8');
  });

  it('decodes text holding a real U+FFFD, and still refuses invalid bytes beside one (a surrogate, an overlong form)', () => {
    assert.equal(stringCodec().decode(Buffer.from('a\uFFFDb', 'utf8')), 'a\uFFFDb');
    assert.deepEqual(jsonCodec().decode(Buffer.from(JSON.stringify({ s: '\uFFFD' }), 'utf8')), { s: '\uFFFD' });
    decodeFailure(() => stringCodec().decode(Buffer.concat([Buffer.from('\uFFFD', 'utf8'), Buffer.from([0xed, 0xa0, 0x80])])), 'invalid_utf8');
    decodeFailure(() => jsonCodec().decode(Buffer.from([0x22, 0xc0, 0xaf, 0x22])), 'invalid_utf8');
  });

  it('decodes a valid 900 KB JSON value', () => {
    const tags = Array.from({ length: 80_000 }, (_, i) => `tag-${i}`);
    const bytes = Buffer.from(JSON.stringify({ id: 'big', user: 'u', tags }));
    assert.ok(bytes.length > 900_000, `only ${bytes.length} bytes`);
    const value = codecs.value.decode(bytes) as { tags: string[] };
    assert.equal(value.tags.length, 80_000);
  });

  it('gains the record position through decodeRecord', () => {
    const record = { topic: 'page_views', partition: 3, offset: 41n, key: Buffer.from('k'), value: Buffer.from('{"id":1,"user":"u"}') };
    const error = decodeFailure(() => decodeRecord(codecs, record), 'schema');
    assert.equal(error.message, 'page_views/3@41: value does not match model "PageView": /id: must be string');
    assert.deepEqual(error.record, { topic: 'page_views', partition: 3, offset: 41n });
    assert.equal(error.part, 'value');
  });

  it('lets decodeRecord decode a good record', () => {
    const good = decodeRecord(codecs, { topic: 't', partition: 0, offset: 0n, key: Buffer.from('k1'), value: Buffer.from('{"id":"a","user":"u"}') });
    assert.deepEqual(good, { key: 'k1', value: { id: 'a', user: 'u' } });
  });

  it('makes a tombstone a null_value error on a topic without nullValues, naming the record and the setting', () => {
    const error = decodeFailure(() => decodeRecord(codecs, { topic: 't', partition: 2, offset: 1n, key: Buffer.from('k1'), value: null }), 'null_value');
    assert.equal(error.part, 'value');
    assert.deepEqual(error.record, { topic: 't', partition: 2, offset: 1n });
    assert.match(error.message, /^t\/2@1: value is null \(a tombstone\), but the topic does not declare nullValues: true/);
  });

  it('decodes a tombstone to a null value on a topic with nullValues: true, without checking the model', () => {
    const lenient = createTopicCodecs({ keyType: 'string', valueType: 'PageView', models, nullValues: true });
    const tombstone = decodeRecord(lenient, { topic: 't', partition: 0, offset: 1n, key: Buffer.from('k1'), value: null });
    assert.deepEqual(tombstone, { key: 'k1', value: null });
  });
});
