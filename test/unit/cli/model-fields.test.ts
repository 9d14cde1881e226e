// modelFields and describeSchemaType: a model's JSON Schema read as a table of fields.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSchemaType, modelFields } from '../../../src/cli/model-fields.js';

describe('modelFields', () => {
  it('lists the properties in order with type, required, default and description', () => {
    const fields = modelFields({
      type: 'object',
      properties: {
        id: { type: 'string', description: 'the page' },
        count: { type: 'integer', default: 0 },
        at: { type: 'string', format: 'date-time' },
      },
      required: ['id'],
    });
    assert.deepEqual(fields, [
      { name: 'id', type: 'string', required: true, description: 'the page' },
      { name: 'count', type: 'integer', required: false, default: '0' },
      { name: 'at', type: 'string (date-time)', required: false },
    ]);
  });

  it('has no fields for a model that is not an object', () => {
    assert.deepEqual(modelFields({ type: 'string' }), []);
    assert.deepEqual(modelFields(true), []);
  });
});

describe('describeSchemaType', () => {
  it('describes arrays, enums, consts, unions, nullables and references', () => {
    assert.equal(describeSchemaType({ type: 'array', items: { type: 'integer' } }), 'array<integer>');
    assert.equal(describeSchemaType({ enum: ['a', 'b'] }), '"a" | "b"');
    assert.equal(describeSchemaType({ const: 1 }), '1');
    assert.equal(describeSchemaType({ anyOf: [{ type: 'string' }, { type: 'null' }] }), 'string | null');
    assert.equal(describeSchemaType({ type: ['string', 'null'] }), 'string | null');
    assert.equal(describeSchemaType({ $ref: '#/$defs/Address' }), 'Address');
    assert.equal(describeSchemaType({ properties: { a: {} } }), 'object');
    assert.equal(describeSchemaType({}), 'any');
  });
});
