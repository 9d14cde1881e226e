// kafkajs is CommonJS and Node cannot see all of its named exports from ESM, so its runtime
// values are taken from the default export here, once; types are imported directly elsewhere.

// First: it corrects kafkajs's read_committed filter before kafkajs loads (see read-committed.ts).
import './read-committed.js';
// First too: faster pieces of its wire encoding (see wire-patches.ts).
import './wire-patches.js';
// First too: a resume wakes its fetch loop from the sleep of an all-paused fetch (see fetch-wake.ts).
import './fetch-wake.js';
import kafkajs from 'kafkajs';

export const { Kafka, AssignerProtocol, CompressionTypes, ConfigResourceTypes, logLevel } = kafkajs;
