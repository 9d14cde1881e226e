// The Kafka driver port's contract: one suite that every driver must pass. kafkajs.test.ts and
// memory.test.ts run it; each test gets a fresh driver from `makeDriver` and closes it after.

import { describe } from 'node:test';
import type { KafkaDriver } from '../../src/kafka/index.js';
import { adminContract } from './admin-contract.js';
import { contractFixture } from './contract-fixture.js';
import { groupContract } from './group-contract.js';
import { patternContract } from './pattern-contract.js';
import { positionContract } from './position-contract.js';
import { recordContract } from './records-contract.js';
import { sizingContract } from './sizing-contract.js';
import { transactionContract } from './transaction-contract.js';

/**
 * Registers the driver contract suite under `label`. `makeDriver` is called before every test;
 * tests use unique topic, group and transactional-id names, so drivers may share one cluster.
 */
export function describeDriverContract(label: string, makeDriver: () => KafkaDriver): void {
  void describe(`${label} driver contract`, () => {
    const ctx = contractFixture(makeDriver);
    void describe('records', () => recordContract(ctx));
    void describe('produce sizing', () => sizingContract(ctx));
    void describe('consumer groups', () => groupContract(ctx));
    void describe('admin', () => adminContract(ctx));
    void describe('transactions', () => transactionContract(ctx));
    void describe('positions', () => positionContract(ctx));
    void describe('topic patterns', () => patternContract(ctx));
  });
}
