// What a model does to values at the topic boundary: defaults fill missing properties, a `coerce: true`
// model converts numeric strings and date-time strings (Faust's Record(coerce=True)), and a refused
// value names every failure with its path, not only the first.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, EncodeError, ModelRegistry, jsonCodec } from '../../../src/models/index.js';

const ORDER = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    amount: { type: 'number' },
    quantity: { type: 'integer', default: 1 },
    status: { enum: ['new', 'paid'], default: 'new' },
    placedAt: { type: 'string', format: 'date-time' },
    lines: { type: 'array', items: { type: 'object', properties: { shippedAt: { type: 'string', format: 'date-time' }, price: { type: 'number' } } } },
    price: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' },
  },
  required: ['id'],
  additionalProperties: false,
};

const models = new ModelRegistry({ Order: ORDER, CoercedOrder: { ...ORDER, coerce: true } });
const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('model values', () => {
  it('fills in defaults for missing properties when decoding, and sends them when encoding', () => {
    const codec = jsonCodec('value', models.check('Order'));
    assert.deepEqual(codec.decode(bytes({ id: 'o1' })), { id: 'o1', quantity: 1, status: 'new' });
    assert.deepEqual(codec.decode(bytes({ id: 'o2', quantity: 5 })), { id: 'o2', quantity: 5, status: 'new' }, 'a value given is kept');
    assert.deepEqual(JSON.parse(codec.encode({ id: 'o3' })!.toString()), { id: 'o3', quantity: 1, status: 'new' });
  });

  it('without coerce, leaves date-times as strings and refuses a numeric string where the schema says number', () => {
    const codec = jsonCodec('value', models.check('Order'));
    const order = codec.decode(bytes({ id: 'o1', placedAt: '2026-12-07T09:30:00Z' })) as { placedAt: unknown };
    assert.equal(order.placedAt, '2026-12-07T09:30:00Z');
    assert.throws(() => codec.decode(bytes({ id: 'o1', amount: '12.50' })), (error: unknown) => error instanceof DecodeError && /\/amount: must be number/.test(error.message));
  });

  it('with coerce: true, turns date-time strings into Dates (at any depth) and numeric strings into numbers', () => {
    const codec = jsonCodec('value', models.check('CoercedOrder'));
    const order = codec.decode(bytes({ id: 'o1', amount: '12.50', quantity: '3', placedAt: '2026-12-07T09:30:00Z', lines: [{ shippedAt: '2026-12-08T10:00:00.000Z', price: '4' }], price: '12.50' })) as {
      amount: unknown;
      quantity: unknown;
      placedAt: unknown;
      lines: { shippedAt: unknown; price: unknown }[];
      price: unknown;
    };
    assert.equal(order.amount, 12.5);
    assert.equal(order.quantity, 3);
    assert.ok(order.placedAt instanceof Date);
    assert.equal(order.placedAt.toISOString(), '2026-12-07T09:30:00.000Z');
    assert.ok(order.lines[0]!.shippedAt instanceof Date);
    assert.equal(order.lines[0]!.price, 4);
    assert.equal(order.price, '12.50', 'a decimal (a string with a pattern) stays a string: no digits are lost');
  });

  it('with coerce: true, still refuses a string that is not a date-time or not a number', () => {
    const codec = jsonCodec('value', models.check('CoercedOrder'));
    assert.throws(() => codec.decode(bytes({ id: 'o1', placedAt: 'yesterday' })), (error: unknown) => error instanceof DecodeError && /\/placedAt: must match format "date-time"/.test(error.message));
    assert.throws(() => codec.decode(bytes({ id: 'o1', amount: 'twelve' })), (error: unknown) => error instanceof DecodeError && /\/amount: must be number/.test(error.message));
  });

  it('with coerce: true, encodes a handler value holding Dates as ISO strings and leaves the handler object as it was', () => {
    const codec = jsonCodec('value', models.check('CoercedOrder'));
    const placedAt = new Date('2026-12-07T09:30:00Z');
    const value = { id: 'o1', amount: 3, placedAt };
    const sent = JSON.parse(codec.encode(value)!.toString()) as Record<string, unknown>;
    assert.deepEqual(sent, { id: 'o1', amount: 3, placedAt: '2026-12-07T09:30:00.000Z', quantity: 1, status: 'new' });
    assert.deepEqual(value, { id: 'o1', amount: 3, placedAt }, 'the handler object is not changed');
  });

  it('reports every failure of a refused value, each with its path', () => {
    const failure = models.validate('Order', { amount: 'x', quantity: 1.5, status: 'lost', extra: true });
    assert.ok(failure !== undefined);
    const all = [failure, ...(failure.more ?? [])].map((f) => `${f.instancePath || '/'} ${f.keyword}`);
    assert.deepEqual(all.sort(), ['/ additionalProperties', '/ required', '/amount type', '/quantity type', '/status enum'].sort());
    const codec = jsonCodec('value', models.check('Order'));
    assert.throws(
      () => codec.encode({ amount: 'x', quantity: 1.5 }),
      (error: unknown) => error instanceof EncodeError && /required property 'id'/.test(error.message) && /\/amount: must be number/.test(error.message) && /\/quantity: must be integer/.test(error.message),
    );
  });
});
