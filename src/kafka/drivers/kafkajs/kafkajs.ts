// kafkajs is CommonJS and Node cannot see all of its named exports from ESM, so its runtime
// values are taken from the default export here, once; types are imported directly elsewhere.

import kafkajs from 'kafkajs';

export const { Kafka, AssignerProtocol, CompressionTypes, ConfigResourceTypes, logLevel } = kafkajs;
