// DecodeError and EncodeError: a record's key or value that its topic's codec cannot turn into a
// value (or back), with a machine-readable reason. Thrown by the codecs; the stream layer applies the
// topic's `onDecodeError` policy (skip, dlq, stop) by matching on `code` and `reason`.

import { StreamdError } from '../errors/index.js';

/** Code of `DecodeError`, stable across bundle boundaries. */
export const DECODE_ERROR_CODE = 'STREAMD_DECODE';
/** Code of `EncodeError`, stable across bundle boundaries. */
export const ENCODE_ERROR_CODE = 'STREAMD_ENCODE';

/** Which half of a record a codec works on. */
export type RecordPart = 'key' | 'value';

/**
 * Why bytes did not decode:
 * - `empty`: a zero-length buffer where JSON is expected (a tombstone is `null`, not empty bytes);
 * - `invalid_utf8`: the bytes are not UTF-8 (checked before any text decoding, never replaced by U+FFFD);
 * - `invalid_json`: UTF-8 text that `JSON.parse` rejects;
 * - `schema`: valid JSON that fails the model's JSON Schema or the primitive type (`integer`, …);
 * - `null_value`: a tombstone (no value) on a topic that does not declare `nullValues: true`;
 * - `invalid_encoding`: bytes a byte codec of the topic's chain cannot undo (not gzip, not base64).
 *
 * There is no size limit here: the broker's `max.message.bytes` already bounds a record.
 */
export type DecodeReason = 'empty' | 'invalid_utf8' | 'invalid_json' | 'schema' | 'null_value' | 'invalid_encoding';

/** Why a value did not encode: it fails its model or type, or JSON cannot represent it. */
export type EncodeReason = 'schema' | 'unserializable';

/** A failure of a value against a model or a primitive type, as ajv reports it: the first, and any others. */
export interface CheckFailure {
  /** JSON Pointer of the failing part of the value, `''` for the value itself. */
  readonly instancePath: string;
  /** The JSON Schema keyword that failed: `type`, `required`, `enum`, … */
  readonly keyword: string;
  /** ajv's message, e.g. `must be string`. */
  readonly message: string;
  /** The value's other failures, when it fails more than one check (all are reported at once). */
  readonly more?: readonly CheckFailure[];
}

/** Where a record came from; added by `decodeRecord` so a log line can name it. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

interface DecodeErrorFields {
  readonly reason: DecodeReason;
  readonly part: RecordPart;
  readonly byteLength: number;
  /** What the bytes had to be, e.g. `model "PageView"` or `type integer`. */
  readonly expected?: string;
  readonly failure?: CheckFailure;
  readonly record?: RecordPosition;
  readonly cause?: unknown;
}

/** `/user: must be string; /n: must be >= 0`, the form every schema message uses: every failure, with its path. */
export function describeFailure(failure: CheckFailure): string {
  const one = (f: CheckFailure): string => `${f.instancePath === '' ? '/' : f.instancePath}: ${f.message}`;
  return [failure, ...(failure.more ?? [])].map(one).join('; ');
}

/** `a3 c3 28 …`: the first bytes, for messages about bytes that are not text. */
function hexPreview(bytes: Buffer, maxBytes = 16): string {
  const shown = bytes.subarray(0, maxBytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > maxBytes ? `${shown} …` : shown;
}

function decodeMessage(fields: DecodeErrorFields, detail: string | undefined): string {
  const { part, byteLength, expected } = fields;
  const where = fields.record === undefined ? '' : `${fields.record.topic}/${fields.record.partition}@${fields.record.offset}: `;
  switch (fields.reason) {
    case 'empty':
      return `${where}${part} is empty (0 bytes), but ${expected ?? 'the json codec'} needs a JSON ${part}; a deletion (tombstone) is a null ${part}, not an empty one`;
    case 'invalid_utf8':
      return `${where}${part} is not valid UTF-8 (${byteLength} bytes: ${detail ?? '?'}); use serializer raw (type bytes) for binary data`;
    case 'invalid_json':
      return `${where}${part} is not valid JSON (${byteLength} bytes): ${detail ?? '?'}`;
    case 'null_value':
      return `${where}value is null (a tombstone), but the topic does not declare nullValues: true; declare it to hand null values to the agent, whose handler must then expect them`;
    case 'invalid_encoding':
      return `${where}${part} (${byteLength} bytes) is not what ${expected ?? 'its codec'} reads: ${detail ?? '?'}`;
    case 'schema':
      return `${where}${part} does not match ${expected ?? 'its schema'}: ${fields.failure === undefined ? '?' : describeFailure(fields.failure)}`;
  }
}

/**
 * A key or value that its codec cannot decode. `reason` says why (see `DecodeReason`), `part` says
 * whether the key or the value failed. Not retriable: the same bytes fail the same way; the topic's
 * `onDecodeError` policy decides whether the record is skipped, sent to a dead-letter topic, or stops
 * the agent.
 */
export class DecodeError extends StreamdError {
  readonly reason: DecodeReason;
  readonly part: RecordPart;
  readonly byteLength: number;
  /** What the bytes had to be, e.g. `model "PageView"`; absent for plain codecs. */
  readonly expected: string | undefined;
  /** For `schema`: the failing place and keyword (e.g. `/user`, `type`). */
  readonly failure: CheckFailure | undefined;
  /** Set by `decodeRecord` (or `at()`): the record whose bytes failed. */
  readonly record: RecordPosition | undefined;
  readonly #detail: string | undefined;

  /** `detail` completes the message: the first bytes for `invalid_utf8`, the parser's words for `invalid_json`. */
  constructor(fields: DecodeErrorFields, detail?: string) {
    super(DECODE_ERROR_CODE, decodeMessage(fields, detail), { cause: fields.cause, retriable: false });
    this.reason = fields.reason;
    this.part = fields.part;
    this.byteLength = fields.byteLength;
    this.expected = fields.expected;
    this.failure = fields.failure;
    this.record = fields.record;
    this.#detail = detail;
  }

  /** The same error, its message prefixed with `topic/partition@offset`. */
  at(record: RecordPosition): DecodeError {
    const fields: DecodeErrorFields = {
      reason: this.reason,
      part: this.part,
      byteLength: this.byteLength,
      record: { topic: record.topic, partition: record.partition, offset: record.offset },
      cause: this.cause,
      ...(this.expected === undefined ? {} : { expected: this.expected }),
      ...(this.failure === undefined ? {} : { failure: this.failure }),
    };
    return new DecodeError(fields, this.#detail);
  }
}

/** A zero-length buffer where JSON was expected. */
export function emptyError(part: RecordPart, expected: string | undefined): DecodeError {
  return new DecodeError({ reason: 'empty', part, byteLength: 0, ...(expected === undefined ? {} : { expected }) });
}

/** Bytes that are not UTF-8. */
export function invalidUtf8Error(part: RecordPart, bytes: Buffer): DecodeError {
  return new DecodeError({ reason: 'invalid_utf8', part, byteLength: bytes.length }, hexPreview(bytes));
}

/** UTF-8 text that is not JSON; `cause` is the parser's SyntaxError. */
export function invalidJsonError(part: RecordPart, bytes: Buffer, cause: unknown): DecodeError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DecodeError({ reason: 'invalid_json', part, byteLength: bytes.length, cause }, detail);
}

/** A tombstone on a topic whose handlers are not told to expect them. */
export function nullValueError(): DecodeError {
  return new DecodeError({ reason: 'null_value', part: 'value', byteLength: 0 });
}

/** JSON that fails its model or type. */
export function schemaError(part: RecordPart, bytes: Buffer, expected: string, failure: CheckFailure): DecodeError {
  return new DecodeError({ reason: 'schema', part, byteLength: bytes.length, expected, failure });
}

/**
 * A value that cannot be encoded for its topic: it fails the topic's model or type (`schema`), or its
 * codec cannot represent it (`unserializable`: a BigInt or a cycle for json, a non-string for string,
 * a non-Buffer for raw). A bug in the handler that produced it; not retriable.
 */
export class EncodeError extends StreamdError {
  readonly reason: EncodeReason;
  readonly part: RecordPart;
  readonly failure: CheckFailure | undefined;

  constructor(reason: EncodeReason, part: RecordPart, message: string, options: { readonly failure?: CheckFailure; readonly cause?: unknown } = {}) {
    super(ENCODE_ERROR_CODE, `cannot encode ${part}: ${message}`, { cause: options.cause, retriable: false });
    this.reason = reason;
    this.part = part;
    this.failure = options.failure;
  }
}
