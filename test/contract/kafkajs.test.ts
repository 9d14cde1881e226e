// Runs the driver contract against the kafkajs kafka:// driver and the real broker that the test
// runner starts (its address in STREAMD_TEST_KAFKA). Without a broker this fails; it never skips.

import { it } from 'node:test';
import { createDriver } from '../../src/kafka/index.js';
import { describeDriverContract } from './driver-contract.js';

const address = process.env.STREAMD_TEST_KAFKA;

if (address === undefined || address.trim() === '') {
  void it('has a Kafka broker to run the kafkajs driver contract against', () => {
    throw new Error(
      'STREAMD_TEST_KAFKA is not set: run through npm test, or set STREAMD_TEST_KAFKA=host:port; npm run kafka starts a broker',
    );
  });
} else {
  describeDriverContract(`kafkajs (kafka://${address})`, () => createDriver(`kafka://${address}`));
}
