// ChangelogReader and catchUp against the real broker that the test runner starts (its address in
// STREAMD_TEST_KAFKA), through the kafkajs driver. Without a broker this fails; it never skips.

import { describe, it } from 'node:test';
import { createDriver } from '../../src/kafka/index.js';
import { readerBehaviour } from '../unit/tables/reader-behaviour.js';
import { readerFixture } from '../unit/tables/reader-fixture.js';

const address = process.env.STREAMD_TEST_KAFKA;

/** A fresh group joins, fetches wait up to maxWaitMs: seconds on a loaded machine. */
const DELIVERY_TIMEOUT_MS = 30_000;

if (address === undefined || address.trim() === '') {
  void it('has a Kafka broker to run the changelog reader against', () => {
    throw new Error(
      'STREAMD_TEST_KAFKA is not set: run through npm test, or set STREAMD_TEST_KAFKA=host:port; npm run kafka starts a broker',
    );
  });
} else {
  void describe(`changelog reader (kafka://${address})`, () => {
    const fx = readerFixture(() => ({ driver: createDriver(`kafka://${address}`) }), DELIVERY_TIMEOUT_MS);
    readerBehaviour(fx, { timeoutMs: 90_000 });
  });
}
