// The record batch decoder of kafkajs 2.2.4 (protocol/recordBatch/v0/decoder.js) with its records
// decoded in place: kafkajs cut every record out of the batch into a Buffer of its own and wrapped it
// in a new Decoder before the record decoder read it — two objects per consumed record, only to
// bound the read. Here the record decoder (record-decoder.ts) reads each record straight from the
// batch's buffer, and the next record starts where the record's length says, as before. The batch
// fields, the partial-batch rule and the compressed path are kafkajs's. wire-patches.ts installs it.

import { createRequire } from 'node:module';
import { decodeRecord, readSigned, type BatchContext, type DecodedRecord, type RecordBytes } from './record-decoder.js';

/** The parts of kafkajs's protocol Decoder this module uses. */
interface KafkajsDecoder {
  readonly buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  slice(size: number): KafkajsDecoder;
  forward(size: number): void;
  readAll(): Buffer;
}

interface Codec {
  decompress(buffer: Buffer): Promise<Buffer>;
}

interface Dependencies {
  readonly PartialMessageError: new (message: string) => Error;
  readonly lookupCodecByAttributes: (attributes: number) => Codec | null;
  readonly timestampTypes: { readonly LOG_APPEND_TIME: number; readonly CREATE_TIME: number };
}

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;

/** `count` records from `buffer` at `offset`, each behind its length (a signed varint). */
function decodeRecordsAt(buffer: Buffer, offset: number, count: number, context: BatchContext): DecodedRecord[] {
  const records = new Array<DecodedRecord>(count);
  const source: RecordBytes = { buffer, offset };
  for (let i = 0; i < count; i++) {
    const length = readSigned(source);
    const end = source.offset + length;
    records[i] = decodeRecord(source, context);
    source.offset = end;
  }
  return records;
}

/** kafkajs's RecordBatchDecoder, given kafkajs's error class, codec lookup and timestamp types. */
export function recordBatchDecoder({ PartialMessageError, lookupCodecByAttributes, timestampTypes }: Dependencies): (fetchDecoder: KafkajsDecoder) => Promise<Record<string, unknown>> {
  return async (fetchDecoder) => {
    const firstOffset = fetchDecoder.readInt64().toString();
    const length = fetchDecoder.readInt32();
    const decoder = fetchDecoder.slice(length);
    fetchDecoder.forward(length);
    const remainingBytes = Buffer.byteLength(decoder.buffer);
    if (remainingBytes < length) {
      throw new PartialMessageError(`Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`);
    }
    const partitionLeaderEpoch = decoder.readInt32();
    const magicByte = decoder.readInt8();
    decoder.readInt32(); // the CRC: kafkajs does not check it
    const attributes = decoder.readInt16();
    const lastOffsetDelta = decoder.readInt32();
    const firstTimestamp = decoder.readInt64().toString();
    const maxTimestamp = decoder.readInt64().toString();
    const producerId = decoder.readInt64().toString();
    const producerEpoch = decoder.readInt16();
    const firstSequence = decoder.readInt32();
    const recordContext = {
      firstOffset,
      firstTimestamp,
      partitionLeaderEpoch,
      inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
      lastOffsetDelta,
      producerId,
      producerEpoch,
      firstSequence,
      maxTimestamp,
      timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? timestampTypes.LOG_APPEND_TIME : timestampTypes.CREATE_TIME,
    };
    const codec = lookupCodecByAttributes(attributes);
    const count = decoder.readInt32();
    const context = { ...recordContext, magicByte };
    let records: DecodedRecord[];
    if (count <= 0) records = [];
    else if (codec === null) records = decodeRecordsAt(decoder.buffer, decoder.offset, count, context);
    else records = decodeRecordsAt(await codec.decompress(decoder.readAll()), 0, count, context);
    return { ...recordContext, records };
  };
}

/** The decoder with kafkajs's own dependencies, for its module cache. */
export function recordBatchDecoderModule(): ReturnType<typeof recordBatchDecoder> {
  const require = createRequire(import.meta.url);
  const { KafkaJSPartialMessageError } = require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: Dependencies['PartialMessageError'] };
  const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as Pick<Dependencies, 'lookupCodecByAttributes'>;
  const timestampTypes = require('kafkajs/src/protocol/timestampTypes.js') as Dependencies['timestampTypes'];
  return recordBatchDecoder({ PartialMessageError: KafkaJSPartialMessageError, lookupCodecByAttributes, timestampTypes });
}
