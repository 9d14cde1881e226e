// ModelRegistry: schemas compiled once at construction, references between models, and readable failures.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/index.js';
import { ModelRegistry } from '../../../src/models/index.js';

describe('ModelRegistry', () => {
  it('lets one model refer to another by name', () => {
    const models = new ModelRegistry(
      new Map([
        ['Address', { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }],
        ['Person', { type: 'object', properties: { home: { $ref: 'Address' } }, required: ['home'] }],
      ]),
    );
    assert.deepEqual(models.names, ['Address', 'Person']);
    assert.equal(models.validate('Person', { home: { city: 'Oslo' } }), undefined);
    assert.deepEqual(models.validate('Person', { home: {} }), { instancePath: '/home', keyword: 'required', message: "must have required property 'city'" });
  });

  it('checks formats and names the extra property or the allowed values', () => {
    const models = new ModelRegistry({
      Event: {
        type: 'object',
        properties: { at: { type: 'string', format: 'date-time' }, kind: { enum: ['a', 'b'] } },
        additionalProperties: false,
      },
    });
    assert.equal(models.validate('Event', { at: 'yesterday' })?.message, 'must match format "date-time"');
    assert.equal(models.validate('Event', { kind: 'c' })?.message, 'must be equal to one of the allowed values: "a", "b"');
    assert.equal(models.validate('Event', { other: 1 })?.message, 'must NOT have additional properties ("other")');
  });

  it('fails with a ConfigError for a schema that does not compile in strict mode', () => {
    assert.throws(() => new ModelRegistry({ Bad: { type: 'object', propertes: {} } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^model "Bad" is not a valid JSON Schema: unknown keyword: "propertes"/);
      return true;
    });
  });

  it('refuses a model named like a primitive type', () => {
    assert.throws(() => new ModelRegistry({ string: { type: 'string' } }), /model "string" has the name of a primitive type/);
  });

  it('names the declared models when asked for an unknown one', () => {
    const models = new ModelRegistry({ A: { type: 'object' } });
    assert.throws(() => models.check('B'), /unknown model "B"; declared models: A/);
    assert.equal(models.has('A'), true);
  });
});
