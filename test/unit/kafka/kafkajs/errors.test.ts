// toStreamdError: the kafkajs failures of a broker restart or failover are retriable streamd
// errors (so the worker waits them out), and errors that need a stop are not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBrokerUnavailable, toStreamdError } from '../../../../src/kafka/drivers/kafkajs/errors.js';

/** A kafkajs error as its client throws it: a name, a retriable flag, maybe a protocol type and a wrapped cause. */
function kafkajsError(name: string, fields: { retriable?: boolean; type?: string; originalError?: unknown } = {}): Error {
  return Object.assign(new Error(`${name} ${fields.type ?? ''}`), { name, retriable: fields.retriable ?? true, ...fields });
}

describe('toStreamdError (kafkajs)', () => {
  it('marks lost connections, timeouts and coordinator moves retriable, also inside a used-up retry', () => {
    const cases = [
      kafkajsError('KafkaJSConnectionError'),
      kafkajsError('KafkaJSRequestTimeoutError'),
      kafkajsError('KafkaJSProtocolError', { type: 'COORDINATOR_LOAD_IN_PROGRESS' }),
      kafkajsError('KafkaJSProtocolError', { type: 'NOT_COORDINATOR' }),
      kafkajsError('KafkaJSNumberOfRetriesExceeded', { retriable: false, originalError: kafkajsError('KafkaJSConnectionError') }),
      kafkajsError('KafkaJSNumberOfRetriesExceeded', { retriable: false, originalError: kafkajsError('KafkaJSRequestTimeoutError') }),
    ];
    for (const err of cases) {
      const mapped = toStreamdError(err, 'consumer crashed');
      assert.equal(mapped.retriable, true, `${err.message} is retriable`);
      assert.equal(mapped.code, 'STREAMD_KAFKA');
      assert.equal(isBrokerUnavailable(err), true);
    }
  });

  it('leaves errors that retrying cannot fix non-retriable', () => {
    const tooLarge = toStreamdError(kafkajsError('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE', retriable: false }), 'send');
    assert.equal(tooLarge.retriable, false);
    const exhausted = toStreamdError(
      kafkajsError('KafkaJSNumberOfRetriesExceeded', { retriable: false, originalError: kafkajsError('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE', retriable: false }) }),
      'send',
    );
    assert.equal(exhausted.retriable, false);
    assert.equal(toStreamdError(kafkajsError('KafkaJSProtocolError', { type: 'UNKNOWN_TOPIC_OR_PARTITION' }), 'send').code, 'STREAMD_UNKNOWN_TOPIC');
  });
});
