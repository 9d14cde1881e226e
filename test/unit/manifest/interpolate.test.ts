// Environment interpolation of scalar strings: ${VAR}, ${VAR:-default}, the $${ escape, and the
// typing of unquoted results.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expand, resolvePlainScalar } from '../../../src/manifest/interpolate.js';

describe('expand', () => {
  it('substitutes set variables, several per string', () => {
    assert.equal(expand('kafka://${HOST}:${PORT}', { HOST: 'k1', PORT: '9092' }).value, 'kafka://k1:9092');
  });

  it('uses the default when the variable is unset or empty, and the value when it is set', () => {
    assert.equal(expand('${A:-fallback}', {}).value, 'fallback');
    assert.equal(expand('${A:-fallback}', { A: '' }).value, 'fallback');
    assert.equal(expand('${A:-fallback}', { A: 'set' }).value, 'set');
    assert.equal(expand('${A:-}', {}).value, '');
  });

  it('keeps a set-but-empty variable without a default empty', () => {
    const expansion = expand('x${A}y', { A: '' });
    assert.equal(expansion.value, 'xy');
    assert.equal(expansion.references.some((r) => r.error !== undefined), false);
  });

  it('turns $${ into a literal ${ without looking the name up', () => {
    const expansion = expand('costs $${PRICE} and ${UNIT:-eur}', {});
    assert.equal(expansion.value, 'costs ${PRICE} and eur');
    assert.equal(expansion.references.length, 1);
  });

  it('reports an unset variable without a default at its offset', () => {
    const expansion = expand('kafka://${KAFKA_HOST}:9092', {});
    const [reference] = expansion.references;
    assert.equal(reference?.index, 8);
    assert.equal(reference?.length, '${KAFKA_HOST}'.length);
    assert.equal(reference?.error?.message, 'environment variable KAFKA_HOST is not set');
  });

  it('suggests a set variable with a near name', () => {
    const [reference] = expand('${KAFKA_HOTS}', { KAFKA_HOST: 'k1' }).references;
    assert.equal(reference?.error?.hint, 'did you mean "KAFKA_HOST"?');
  });

  it('reports malformed references', () => {
    for (const text of ['${1A}', '${A B}', '${unclosed']) {
      const errors = expand(text, { A: 'x' }).references.filter((r) => r.error !== undefined);
      assert.equal(errors.length, 1, text);
      assert.match(errors[0]?.error?.message ?? '', /^malformed reference/);
    }
  });

  it('leaves a lone $ alone', () => {
    assert.equal(expand('price: $5 or ${X:-$6}', {}).value, 'price: $5 or $6');
  });
});

describe('resolvePlainScalar', () => {
  it('reads unquoted results as YAML would', () => {
    assert.equal(resolvePlainScalar('4'), 4);
    assert.equal(resolvePlainScalar('-1'), -1);
    assert.equal(resolvePlainScalar('2.5'), 2.5);
    assert.equal(resolvePlainScalar('0x10'), 16);
    assert.equal(resolvePlainScalar('true'), true);
    assert.equal(resolvePlainScalar('False'), false);
    assert.equal(resolvePlainScalar('null'), null);
    assert.equal(resolvePlainScalar('5s'), '5s');
    assert.equal(resolvePlainScalar(''), '');
  });
});
