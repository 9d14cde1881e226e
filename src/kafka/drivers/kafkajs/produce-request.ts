// The Produce request (v3 and, through kafkajs's own wrappers, v4–v7) of kafkajs 2.2.4, encoded
// into one buffer sized in advance. kafkajs encodes each record and each header into an Encoder of
// its own (a zero-filled 512-byte buffer each), spreads every message into a new object, and copies
// every level into the next: on a groupBy's repartition producer that was ~13 µs of CPU and most
// of the garbage per record. Uncompressed batches only; a compressed send keeps kafkajs's encoding.
// wire-patches.ts installs this in kafkajs's module cache.

import { crc32c } from './crc32c.js';

/** A message as kafkajs's producer hands it to the request (key, value and header values as given to `send`). */
export interface ProduceMessage {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | null | undefined | readonly (Buffer | string)[]>>;
  readonly timestamp?: string | number;
}

export interface ProducePartitionData {
  readonly partition: number;
  readonly firstSequence?: number;
  readonly messages: readonly ProduceMessage[];
}

export interface ProduceTopicData {
  readonly topic: string;
  readonly partitions: readonly ProducePartitionData[];
}

/** kafkajs's Long: the high and low 32 bits of a producer id. */
export interface LongBits {
  getHighBits(): number;
  getLowBits(): number;
}

/** A producer id as kafkajs holds it: a string once InitProducerId answered, a Long (-1) before. */
export type ProducerId = LongBits | string | number;

export interface ProduceRequestInput {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  readonly producerId?: ProducerId;
  readonly producerEpoch?: number;
  readonly topicData: readonly ProduceTopicData[];
}

/** firstOffset … records count: the fixed part of a v2 record batch. */
const BATCH_HEADER_BYTES = 61;
/** Where the CRC-covered part (attributes onwards) starts in a batch. */
const CRC_START = 21;
const TRANSACTIONAL_ATTRIBUTE = 16;
const INT32_RANGE = 2 ** 31;

function zigZag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function sizeOfUVarInt(value: number): number {
  let bytes = 1;
  while (value > 0x7f) {
    bytes += 1;
    value >>>= 7;
  }
  return bytes;
}

function writeUVarInt(buffer: Buffer, offset: number, value: number): number {
  while (value > 0x7f) {
    buffer[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[offset++] = value;
  return offset;
}

const sizeOfVarInt = (value: number): number => sizeOfUVarInt(zigZag32(value));
const writeVarInt = (buffer: Buffer, offset: number, value: number): number => writeUVarInt(buffer, offset, zigZag32(value));

/** A varlong: small values (all timestamp deltas but pathological ones) take the 32-bit path. */
function zigZag64(value: number): bigint {
  const big = BigInt(value);
  return BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
}

function sizeOfVarLong(value: number): number {
  if (value > -INT32_RANGE && value < INT32_RANGE) return sizeOfVarInt(value);
  let rest = zigZag64(value);
  let bytes = 1;
  while (rest > 0x7fn) {
    bytes += 1;
    rest >>= 7n;
  }
  return bytes;
}

function writeVarLong(buffer: Buffer, offset: number, value: number): number {
  if (value > -INT32_RANGE && value < INT32_RANGE) return writeVarInt(buffer, offset, value);
  let rest = zigZag64(value);
  while (rest > 0x7fn) {
    buffer[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  buffer[offset++] = Number(rest);
  return offset;
}

function byteLength(bytes: Buffer | string): number {
  return typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
}

/** A varint length and the bytes; null (and undefined) is length -1. */
function sizeOfVarIntBytes(bytes: Buffer | string | null | undefined): number {
  if (bytes === null || bytes === undefined) return 1;
  const length = byteLength(bytes);
  return sizeOfVarInt(length) + length;
}

function writeVarIntBytes(buffer: Buffer, offset: number, bytes: Buffer | string | null | undefined): number {
  if (bytes === null || bytes === undefined) return writeVarInt(buffer, offset, -1);
  if (typeof bytes === 'string') {
    const length = Buffer.byteLength(bytes);
    offset = writeVarInt(buffer, offset, length);
    return offset + buffer.write(bytes, offset, length, 'utf8');
  }
  offset = writeVarInt(buffer, offset, bytes.length);
  bytes.copy(buffer, offset);
  return offset + bytes.length;
}

type HeaderValue = Buffer | string | null | undefined;

/** Calls `each` for every header, an array value being one header per element (as kafkajs sends them). */
function forEachHeader(headers: ProduceMessage['headers'], each: (name: string, value: HeaderValue) => void): void {
  if (headers === undefined) return;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value as readonly (Buffer | string)[]) each(name, v);
    else each(name, value as HeaderValue);
  }
}

/** The timestamp of a message, or `now` when it has none (kafkajs's `message.timestamp || now`). */
function timestampOf(message: ProduceMessage, now: number): number {
  const t = message.timestamp;
  return t === undefined || t === null || t === '' || t === 0 ? now : Number(t);
}

/** A partition's batch as sizes: each record's body, the batch's bytes, its timestamps. */
interface BatchPlan {
  readonly bodySizes: number[];
  readonly timestamps: number[];
  readonly bytes: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
}

function planBatch(messages: readonly ProduceMessage[], now: number): BatchPlan {
  const timestamps = messages.map((m) => timestampOf(m, now));
  let firstTimestamp = Infinity;
  let maxTimestamp = -Infinity;
  for (const t of timestamps) {
    if (t < firstTimestamp) firstTimestamp = t;
    if (t > maxTimestamp) maxTimestamp = t;
  }
  if (messages.length === 0) firstTimestamp = maxTimestamp = now;
  const bodySizes: number[] = [];
  let bytes = BATCH_HEADER_BYTES;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    let headerCount = 0;
    let headerBytes = 0;
    forEachHeader(message.headers, (name, value) => {
      headerCount += 1;
      headerBytes += sizeOfVarIntBytes(name) + sizeOfVarIntBytes(value);
    });
    const body = 1 + sizeOfVarLong(timestamps[i]! - firstTimestamp) + sizeOfVarInt(i) + sizeOfVarIntBytes(message.key) + sizeOfVarIntBytes(message.value) + sizeOfVarInt(headerCount) + headerBytes;
    bodySizes.push(body);
    bytes += sizeOfVarInt(body) + body;
  }
  return { bodySizes, timestamps, bytes, firstTimestamp, maxTimestamp };
}

interface BatchIdentity {
  readonly producerId: ProducerId | undefined;
  readonly producerEpoch: number;
  readonly isTransactional: boolean;
}

function writeInt64(buffer: Buffer, offset: number, value: number): number {
  buffer.writeBigInt64BE(BigInt(value), offset);
  return offset + 8;
}

/** Writes a v2 record batch (magic 2, uncompressed) planned by `planBatch`; returns the offset after it. */
function writeBatch(buffer: Buffer, start: number, partition: ProducePartitionData, plan: BatchPlan, identity: BatchIdentity): number {
  const { messages } = partition;
  let offset = writeInt64(buffer, start, 0); // firstOffset
  offset = buffer.writeInt32BE(plan.bytes - 12, offset); // length: what follows
  offset = buffer.writeInt32BE(0, offset); // partitionLeaderEpoch
  offset = buffer.writeInt8(2, offset); // magic
  offset += 4; // crc, written last
  offset = buffer.writeInt16BE(identity.isTransactional ? TRANSACTIONAL_ATTRIBUTE : 0, offset);
  offset = buffer.writeInt32BE(messages.length - 1, offset); // lastOffsetDelta
  offset = writeInt64(buffer, offset, plan.firstTimestamp);
  offset = writeInt64(buffer, offset, plan.maxTimestamp);
  const producerId = identity.producerId ?? -1;
  if (typeof producerId === 'object') {
    offset = buffer.writeInt32BE(producerId.getHighBits(), offset);
    offset = buffer.writeInt32BE(producerId.getLowBits(), offset);
  } else {
    buffer.writeBigInt64BE(BigInt(producerId), offset);
    offset += 8;
  }
  offset = buffer.writeInt16BE(identity.producerEpoch, offset);
  offset = buffer.writeInt32BE(partition.firstSequence ?? 0, offset);
  offset = buffer.writeInt32BE(messages.length, offset);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    offset = writeVarInt(buffer, offset, plan.bodySizes[i]!);
    buffer[offset++] = 0; // attributes
    offset = writeVarLong(buffer, offset, plan.timestamps[i]! - plan.firstTimestamp);
    offset = writeVarInt(buffer, offset, i);
    offset = writeVarIntBytes(buffer, offset, message.key);
    offset = writeVarIntBytes(buffer, offset, message.value);
    let headerCount = 0;
    forEachHeader(message.headers, () => (headerCount += 1));
    offset = writeVarInt(buffer, offset, headerCount);
    forEachHeader(message.headers, (name, value) => {
      offset = writeVarIntBytes(buffer, offset, name);
      offset = writeVarIntBytes(buffer, offset, value);
    });
  }
  buffer.writeUInt32BE(crc32c(buffer, start + CRC_START, offset), start + CRC_START - 4);
  return offset;
}

/** The bytes of a Produce v3 request body (what follows the request header), uncompressed. */
export function encodeProduceRequest(input: ProduceRequestInput, now = Date.now()): Buffer {
  const transactionalId = input.transactionalId ?? null;
  const identity: BatchIdentity = { producerId: input.producerId, producerEpoch: input.producerEpoch ?? 0, isTransactional: transactionalId !== null };
  const plans = input.topicData.map((topic) => topic.partitions.map((partition) => planBatch(partition.messages, now)));
  let size = 2 + (transactionalId === null ? 0 : Buffer.byteLength(transactionalId)) + 2 + 4 + 4;
  input.topicData.forEach((topic, t) => {
    size += 2 + Buffer.byteLength(topic.topic) + 4;
    for (const plan of plans[t]!) size += 4 + 4 + plan.bytes;
  });
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  if (transactionalId === null) offset = buffer.writeInt16BE(-1, offset);
  else {
    offset = buffer.writeInt16BE(Buffer.byteLength(transactionalId), offset);
    offset += buffer.write(transactionalId, offset, 'utf8');
  }
  offset = buffer.writeInt16BE(input.acks, offset);
  offset = buffer.writeInt32BE(input.timeout, offset);
  offset = buffer.writeInt32BE(input.topicData.length, offset);
  input.topicData.forEach((topic, t) => {
    offset = buffer.writeInt16BE(Buffer.byteLength(topic.topic), offset);
    offset += buffer.write(topic.topic, offset, 'utf8');
    offset = buffer.writeInt32BE(topic.partitions.length, offset);
    topic.partitions.forEach((partition, p) => {
      const plan = plans[t]![p]!;
      offset = buffer.writeInt32BE(partition.partition, offset);
      offset = buffer.writeInt32BE(plan.bytes, offset);
      offset = writeBatch(buffer, offset, partition, plan, identity);
    });
  });
  if (offset !== size) throw new Error(`produce request encoded ${offset} bytes, planned ${size}`);
  return buffer;
}
