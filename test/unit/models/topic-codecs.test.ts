// createTopicCodecs: Faust's defaults, what each declared type implies, and the type/serializer rules.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/index.js';
import { createTopicCodecs, DecodeError, EncodeError, ModelRegistry, serializerProblem } from '../../../src/models/index.js';

const models = new ModelRegistry({ Point: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] } });

describe('createTopicCodecs', () => {
  it('defaults to raw keys and JSON values, as Faust does', () => {
    const codecs = createTopicCodecs();
    assert.equal(codecs.key.name, 'raw');
    assert.equal(codecs.value.name, 'json');
    const key = Buffer.from([1, 2, 3]);
    assert.equal(codecs.key.decode(key), key);
    assert.deepEqual(codecs.value.decode(Buffer.from('{"any":["json"]}')), { any: ['json'] });
  });

  it('gives a string type the string serializer, and a model the json serializer with validation', () => {
    const codecs = createTopicCodecs({ keyType: 'string', valueType: 'Point', models });
    assert.equal(codecs.key.name, 'string');
    assert.equal(codecs.key.decode(Buffer.from('page-1')), 'page-1');
    assert.equal(codecs.value.name, 'json');
    assert.deepEqual(codecs.value.decode(Buffer.from('{"x":3}')), { x: 3 });
    assert.throws(() => codecs.value.decode(Buffer.from('{"x":"3"}')), (error: unknown) => error instanceof DecodeError && error.reason === 'schema');
  });

  it('validates on encode too, so a handler cannot write what its topic would reject', () => {
    const codecs = createTopicCodecs({ valueType: 'Point', models });
    assert.equal(codecs.value.encode({ x: 1 })?.toString(), '{"x":1}');
    assert.throws(() => codecs.value.encode({ y: 1 }), (error: unknown) => {
      assert.ok(error instanceof EncodeError);
      assert.equal(error.reason, 'schema');
      assert.equal(error.message, `cannot encode value: it does not match model "Point": /: must have required property 'x'`);
      return true;
    });
  });

  it('checks the primitive types integer, number and boolean over JSON', () => {
    const integer = createTopicCodecs({ valueType: 'integer' }).value;
    assert.equal(integer.decode(Buffer.from('42')), 42);
    assert.throws(() => integer.decode(Buffer.from('4.5')), /value does not match type integer: \/: must be integer/);
    assert.equal(createTopicCodecs({ valueType: 'number' }).value.decode(Buffer.from('4.5')), 4.5);
    assert.equal(createTopicCodecs({ valueType: 'boolean' }).value.decode(Buffer.from('true')), true);
    assert.throws(() => createTopicCodecs({ valueType: 'boolean' }).value.decode(Buffer.from('"true"')), DecodeError);
  });

  it('decodes a string type over raw as UTF-8 text, and over json as a JSON string', () => {
    assert.equal(createTopicCodecs({ keyType: 'string', keySerializer: 'raw' }).key.decode(Buffer.from('k')), 'k');
    const json = createTopicCodecs({ valueType: 'string', valueSerializer: 'json' }).value;
    assert.equal(json.decode(Buffer.from('"quoted"')), 'quoted');
    assert.throws(() => json.decode(Buffer.from('7')), /must be string/);
  });

  it('gives bytes for type json over the raw serializer (Faust: value_serializer raw)', () => {
    const codecs = createTopicCodecs({ valueSerializer: 'raw' });
    const bytes = Buffer.from('{"not":"parsed"}');
    assert.equal(codecs.value.decode(bytes), bytes);
  });

  it('refuses a type its serializer cannot carry, at boot', () => {
    assert.throws(() => createTopicCodecs({ valueType: 'Point', valueSerializer: 'string', models }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'valueType/valueSerializer: model "Point" needs serializer json, not string');
      return true;
    });
    assert.throws(() => createTopicCodecs({ keySerializer: 'json' }), /keyType\/keySerializer: type bytes needs serializer raw, not json/);
    assert.equal(serializerProblem('integer', 'json'), undefined);
    assert.equal(serializerProblem('integer', 'raw'), 'type integer needs serializer json, not raw');
  });

  it('refuses a type that is neither primitive nor a declared model', () => {
    assert.throws(() => createTopicCodecs({ valueType: 'Pont', models }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^valueType "Pont" is neither a primitive type nor a declared model; known types: string, integer, number, boolean, bytes, json, Point$/);
      return true;
    });
    assert.throws(() => createTopicCodecs({ valueType: 'Point' }), ConfigError);
  });
});
