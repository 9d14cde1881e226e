// The three built-in codecs (Faust's serializers): raw bytes, UTF-8 strings and JSON, the last with an
// optional check (a model's JSON Schema or a primitive type). Built per topic by createTopicCodecs;
// the decode path runs once per consumed key and value, so it does the least work it can.

import { isUtf8 } from 'node:buffer';
import {
  EncodeError,
  describeFailure,
  emptyError,
  invalidJsonError,
  invalidUtf8Error,
  schemaError,
  type CheckFailure,
  type RecordPart,
} from './codec-errors.js';

/** The codec names a manifest may give as `keySerializer` / `valueSerializer`. */
export type SerializerName = 'json' | 'raw' | 'string';

/**
 * Turns values into record bytes and back. `null` is a tombstone both ways: `decode(null)` returns
 * `null` without validation, and `encode(null)` returns `null`. Decoding throws `DecodeError`,
 * encoding throws `EncodeError`.
 */
export interface Codec<T> {
  /** A built-in serializer, or a custom codec's name (custom-codec.ts). */
  readonly name: string;
  /** Whether this codec works on record keys or values; decode errors name it. */
  readonly part: RecordPart;
  encode(value: T | null): Buffer | null;
  decode(bytes: Buffer | null): T | null;
}

/** A check a decoded JSON value must pass: a model's schema or a primitive type. */
export interface ValueCheck {
  /** What the value must be, for messages: `model "PageView"`, `type integer`. */
  readonly label: string;
  /** `undefined` when `value` passes; otherwise every failure. May change `value` (defaults, coercion). */
  check(value: unknown): CheckFailure | undefined;
  /** The check converts values (a `coerce: true` model): encoding checks a JSON copy, not the handler's value. */
  readonly isCoercing?: boolean;
}

/** JSON text of a value, or an EncodeError saying why JSON cannot represent it. */
function stringify(value: unknown, part: RecordPart): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new EncodeError('unserializable', part, `JSON cannot represent it: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (text === undefined) throw new EncodeError('unserializable', part, `JSON cannot represent a ${typeof value}`);
  return text;
}

/**
 * `bytes` as UTF-8 text; DecodeError `invalid_utf8` when they are not UTF-8. The decode replaces
 * each invalid sequence with U+FFFD, so text without one came from valid bytes: only text with one
 * (an invalid record, or a real U+FFFD) pays for a validation pass over the bytes.
 */
function utf8Text(bytes: Buffer, part: RecordPart): string {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') && !isUtf8(bytes)) throw invalidUtf8Error(part, bytes);
  return text;
}

/** `raw`: the bytes as they are (Faust's default key serializer). */
export function rawCodec(part: RecordPart = 'value'): Codec<Buffer> {
  return {
    name: 'raw',
    part,
    encode(value) {
      if (value === null || Buffer.isBuffer(value)) return value;
      throw new EncodeError('unserializable', part, `the raw codec encodes Buffers, got ${typeof value}`);
    },
    decode: (bytes) => bytes,
  };
}

/** `string`: UTF-8 text. Bytes that are not UTF-8 throw `DecodeError` (`invalid_utf8`). */
export function stringCodec(part: RecordPart = 'value'): Codec<string> {
  return {
    name: 'string',
    part,
    encode(value) {
      if (value === null) return null;
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      throw new EncodeError('unserializable', part, `the string codec encodes strings, got ${typeof value}`);
    },
    decode(bytes) {
      if (bytes === null) return null;
      return utf8Text(bytes, part);
    },
  };
}

/**
 * `json`: UTF-8 JSON, checked by `check` when given (both when decoding and when encoding, so a handler
 * cannot write a value its own topic would reject). Decoding is one UTF-8 decode (see utf8Text), one
 * `JSON.parse` and one check call. A zero-length buffer is `empty`, not `invalid_json`; the JSON text
 * `null` decodes to `null` and is checked like any value (only a missing value is a tombstone).
 */
export function jsonCodec(part: RecordPart = 'value', check?: ValueCheck): Codec<unknown> {
  return {
    name: 'json',
    part,
    encode(value) {
      if (value === null) return null;
      // A coercing check converts what it checks (strings into Dates): it checks the value as the
      // record will carry it, a JSON copy, and leaves the handler's object alone.
      const subject = check?.isCoercing === true ? (JSON.parse(stringify(value, part)) as unknown) : value;
      const failure = check?.check(subject);
      if (failure !== undefined && check !== undefined) {
        throw new EncodeError('schema', part, `it does not match ${check.label}: ${describeFailure(failure)}`, { failure });
      }
      // After the check: the defaults it filled in go out with the record.
      return Buffer.from(stringify(subject, part), 'utf8');
    },
    decode(bytes) {
      if (bytes === null) return null;
      if (bytes.length === 0) throw emptyError(part, check?.label);
      const text = utf8Text(bytes, part);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw invalidJsonError(part, bytes, error);
      }
      if (check !== undefined) {
        const failure = check.check(value);
        if (failure !== undefined) throw schemaError(part, bytes, check.label, failure);
      }
      return value;
    },
  };
}
