// Faster pieces of kafkajs 2.2.4's wire encoding, put in its module cache before kafkajs loads (as
// read-committed.ts does for its aborted-record filter; kafkajs.ts imports both first). Same bytes on
// the wire and the same results, less CPU per record:
// - the Produce v3 request (v4–v7 wrap it): produce-request.ts's one-buffer encoding for
//   uncompressed sends, kafkajs's own for compressed ones;
// - groupMessagesPerPartition, which copied a partition's list for every message it added (quadratic
//   in the records per partition of a send: ~2 µs per record at 2000-record sends; group-per-partition.ts);
// - the record decoder of fetched batches (record-decoder.ts), reading each record in place in its
//   batch (record-batch-decoder.ts);
// - the Batch a fetch's records are handed over in, without a Long per record (fetched-batch.ts).

import { createRequire, Module } from 'node:module';
import { fetchedBatchModule } from './fetched-batch.js';
import { groupMessagesPerPartition } from './group-per-partition.js';
import { encodeProduceRequest, type ProduceRequestInput } from './produce-request.js';
import { recordBatchDecoderModule } from './record-batch-decoder.js';
import { decodeRecord } from './record-decoder.js';

const require = createRequire(import.meta.url);

/** kafkajs's Encoder, the type its request pipeline takes from `encode()`. */
interface EncoderLike {
  buf: Buffer;
  offset: number;
}
type EncoderClass = new (initialSize?: number) => EncoderLike;

interface ProduceRequestOptions extends ProduceRequestInput {
  readonly compression?: number;
}
type ProduceRequestFactory = (options: ProduceRequestOptions) => { encode: () => Promise<unknown> } & Record<string, unknown>;

/** kafkajs's Produce v3 request with our encoding for uncompressed sends; `original` for the rest. */
export function produceRequestV3(original: ProduceRequestFactory, Encoder: EncoderClass): ProduceRequestFactory {
  return (options) => {
    const request = original(options);
    if ((options.compression ?? 0) !== 0) return request;
    return {
      ...request,
      encode: () => {
        const encoder = new Encoder(0);
        encoder.buf = encodeProduceRequest(options);
        encoder.offset = encoder.buf.length;
        return Promise.resolve(encoder);
      },
    };
  };
}

function install(path: string, exports: unknown): void {
  const replacement = new Module(path);
  replacement.filename = path;
  replacement.loaded = true;
  replacement.exports = exports;
  require.cache[path] = replacement;
}

const produceV3 = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const grouping = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const recordDecoder = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
const batch = require.resolve('kafkajs/src/consumer/batch.js');
const batchDecoder = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');

/** kafkajs's own modules that were replaced, kept for compressed sends and for tests to compare with; undefined when kafkajs loaded first. */
export const kafkajsOriginals: { readonly produceRequestV3: ProduceRequestFactory; readonly decodeRecord: unknown; readonly decodeRecordBatch: unknown } | undefined = (() => {
  if ([produceV3, grouping, recordDecoder, batch, batchDecoder].some((path) => require.cache[path] !== undefined)) return undefined;
  // The original modules are loaded first (their own dependencies are kafkajs's), then replaced.
  const original = require(produceV3) as ProduceRequestFactory;
  const originalDecoder = require(recordDecoder) as unknown;
  const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
  install(produceV3, produceRequestV3(original, Encoder));
  install(grouping, groupMessagesPerPartition);
  install(recordDecoder, decodeRecord);
  // kafkajs's batch decoder over our record decoder: what ours must equal.
  const originalBatchDecoder = require(batchDecoder) as unknown;
  install(batchDecoder, recordBatchDecoderModule());
  // After read-committed.ts has put its filter in the cache: the original Batch module loads it.
  install(batch, fetchedBatchModule());
  return { produceRequestV3: original, decodeRecord: originalDecoder, decodeRecordBatch: originalBatchDecoder };
})();
