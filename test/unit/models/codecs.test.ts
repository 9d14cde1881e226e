// Round trips of the built-in codecs (raw, string, json) and their tombstone (null) handling.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodeError, jsonCodec, rawCodec, stringCodec } from '../../../src/models/index.js';

describe('raw codec', () => {
  it('passes bytes through unchanged both ways', () => {
    const codec = rawCodec();
    const bytes = Buffer.from([0x00, 0xff, 0xc3, 0x28]);
    assert.equal(codec.encode(bytes), bytes);
    assert.equal(codec.decode(bytes), bytes);
  });

  it('refuses to encode anything but a Buffer', () => {
    assert.throws(() => rawCodec('key').encode('text' as unknown as Buffer), (error: unknown) => {
      assert.ok(error instanceof EncodeError);
      assert.equal(error.code, 'STREAMD_ENCODE');
      assert.equal(error.reason, 'unserializable');
      assert.equal(error.part, 'key');
      return true;
    });
  });
});

describe('string codec', () => {
  it('round-trips UTF-8 text, including characters outside the BMP', () => {
    const codec = stringCodec();
    const text = 'blåbær 🫐 ünïcode';
    const bytes = codec.encode(text);
    assert.deepEqual(bytes, Buffer.from(text, 'utf8'));
    assert.equal(codec.decode(bytes), text);
  });

  it('decodes a zero-length buffer to the empty string', () => {
    assert.equal(stringCodec().decode(Buffer.alloc(0)), '');
  });
});

describe('json codec', () => {
  it('round-trips objects, arrays, numbers, strings and booleans', () => {
    const codec = jsonCodec();
    for (const value of [{ id: 'a', n: 1, nested: { list: [1, 'two', false] } }, [1, 2, 3], 42, -1.5, 'text', true]) {
      assert.deepEqual(codec.decode(codec.encode(value)), value);
    }
  });

  it('encodes as compact UTF-8 JSON text', () => {
    assert.equal(jsonCodec().encode({ a: 'ø' })?.toString('utf8'), '{"a":"ø"}');
  });

  it('reports a value JSON cannot represent as unserializable', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [10n, cyclic, () => 1, undefined]) {
      assert.throws(() => jsonCodec().encode(value), (error: unknown) => error instanceof EncodeError && error.reason === 'unserializable');
    }
  });
});

describe('tombstones', () => {
  it('decode a null key or value to null in every codec, without validation', () => {
    const strict = { label: 'type integer', check: () => ({ instancePath: '', keyword: 'type', message: 'must be integer' }) };
    for (const codec of [rawCodec(), stringCodec(), jsonCodec(), jsonCodec('value', strict)]) {
      assert.equal(codec.decode(null), null, codec.name);
    }
  });

  it('encode null to null (a tombstone) in every codec', () => {
    assert.equal(rawCodec().encode(null), null);
    assert.equal(stringCodec().encode(null), null);
    assert.equal(jsonCodec().encode(null), null);
  });
});
