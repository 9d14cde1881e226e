// The record decoder of kafkajs 2.2.4 (recordBatch/record/v0/decoder.js), without its per-record
// Longs (it parsed the batch's first offset and timestamp from strings, and built the varlong delta
// byte by byte as Longs) and the object spread per header. Same result objects. Runs once per
// consumed record; wire-patches.ts installs it in kafkajs's module cache.

const LOG_APPEND_TIME = 1;

/** What kafkajs's batch decoder hands the record decoder: the record's bytes from `offset` on. */
export interface RecordBytes {
  readonly buffer: Buffer;
  offset: number;
}

/** The batch fields a record's own fields are relative to (kafkajs's recordContext). */
export interface BatchContext {
  readonly firstOffset?: string;
  readonly firstTimestamp?: string;
  readonly maxTimestamp?: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
}

export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

/** An unsigned varint as a number, exact up to 2^53 (a varlong past that throws; no record field gets there). */
function readUnsigned(source: RecordBytes): number {
  const { buffer } = source;
  let offset = source.offset;
  let byte = buffer[offset++]!;
  let result = byte & 0x7f;
  if (byte >= 0x80) {
    // The first four bytes fit a 32-bit shift; later ones are multiplied in to stay exact.
    let shift = 7;
    do {
      if (shift > 49) throw new RangeError('a varint of a Kafka record is longer than streamd reads exactly');
      byte = buffer[offset++]!;
      result += shift < 28 ? (byte & 0x7f) << shift : (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte >= 0x80);
  }
  source.offset = offset;
  return result;
}

/** A signed (zigzag) varint or varlong. */
export function readSigned(source: RecordBytes): number {
  const n = readUnsigned(source);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function readBytes(source: RecordBytes): Buffer | null {
  const length = readSigned(source);
  if (length < 0) return null;
  const start = source.offset;
  source.offset = start + length;
  return source.buffer.subarray(start, start + length);
}

/**
 * The headers of the record decoded last, by position: the records of a batch mostly carry the same
 * header names, and often the same values (a changelog's key encoding on every record, one positions
 * header per commit), so a header equal to the one before at its position is the same string, or the
 * same Buffer, instead of a new one per record. A value is shared only within one fetched buffer, so
 * that this cache never keeps an older fetch in memory; values longer than MAX_SHARED_VALUE_BYTES
 * are not compared.
 */
const MAX_SHARED_VALUE_BYTES = 64;
const MAX_SHARED_HEADERS = 8;
const previousNames: { readonly bytes: Buffer; readonly name: string }[] = [];
const previousValues: Buffer[] = [];

/** Whether `buffer[start, start + candidate.length)` holds `candidate`'s bytes. */
function holds(buffer: Buffer, start: number, candidate: Buffer): boolean {
  for (let i = 0; i < candidate.length; i++) {
    if (buffer[start + i] !== candidate[i]) return false;
  }
  return true;
}

function readHeaderName(source: RecordBytes, position: number): string {
  const length = readSigned(source);
  if (length < 0) return 'null';
  const { buffer } = source;
  const start = source.offset;
  source.offset = start + length;
  const previous = previousNames[position];
  if (previous !== undefined && previous.bytes.length === length && holds(buffer, start, previous.bytes)) return previous.name;
  const name = buffer.toString('utf8', start, start + length);
  if (position < MAX_SHARED_HEADERS) previousNames[position] = { bytes: Buffer.from(buffer.subarray(start, start + length)), name };
  return name;
}

function readHeaderValue(source: RecordBytes, position: number): Buffer | null {
  const length = readSigned(source);
  if (length < 0) return null;
  const { buffer } = source;
  const start = source.offset;
  source.offset = start + length;
  if (length > MAX_SHARED_VALUE_BYTES || position >= MAX_SHARED_HEADERS) return buffer.subarray(start, start + length);
  const previous = previousValues[position];
  if (previous !== undefined && previous.length === length && previous.buffer === buffer.buffer && holds(buffer, start, previous)) return previous;
  const value = buffer.subarray(start, start + length);
  previousValues[position] = value;
  return value;
}

/**
 * Adds deltas to a base held as decimal text (an int64 of kafkajs's batch context), giving decimal
 * text: in numbers while they are exact. The base of the last call is kept parsed, as every record
 * of a batch adds to the same one (the same string), so it is parsed once per batch, not per record.
 */
class DecimalBase {
  #text: string | undefined;
  #value = 0;

  add(base: string | undefined, delta: number): string {
    if (base !== this.#text) {
      this.#text = base;
      this.#value = Number(base ?? 0);
    }
    const n = this.#value;
    const sum = n + delta;
    if (Number.isSafeInteger(n) && Number.isSafeInteger(sum)) return String(sum);
    return (BigInt(base ?? 0) + BigInt(delta)).toString();
  }
}

const offsetBase = new DecimalBase();
const timestampBase = new DecimalBase();

/**
 * The headers of every record without any: one frozen object, not an empty one per record (an input
 * without headers is the common case, and each record waits in a stream buffer with its headers).
 */
const NO_HEADERS: DecodedRecord['headers'] = Object.freeze({});

/** kafkajs's RecordDecoder: one record of a v2 batch. A header name seen twice holds an array of its values. */
export function decodeRecord(source: RecordBytes, batchContext: BatchContext = {}): DecodedRecord {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const attributes = source.buffer.readInt8(source.offset);
  source.offset += 1;
  const timestampDelta = readSigned(source);
  const timestamp = timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : timestampBase.add(firstTimestamp, timestampDelta);
  const offset = offsetBase.add(firstOffset, readSigned(source));
  const key = readBytes(source);
  const value = readBytes(source);
  const headerCount = readSigned(source);
  const headers: DecodedRecord['headers'] = headerCount === 0 ? NO_HEADERS : {};
  for (let i = 0; i < headerCount; i++) {
    const name = readHeaderName(source, i);
    const headerValue = readHeaderValue(source, i);
    const seen = headers[name];
    headers[name] = seen === undefined ? headerValue : Array.isArray(seen) ? [...seen, headerValue] : [seen, headerValue];
  }
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}
