// Codecs written in TypeScript (Faust's `codecs.register('name', MyCodec())`): the shape a module
// exports, the check that an export has it, and the adapters that put one into a codec chain, where
// whatever it throws becomes a DecodeError (`invalid_encoding`) or an EncodeError. Used by codec-chain.ts
// and topic-codecs.ts; `streamd check` and the bundler call `customCodecProblem`.

import { DecodeError, EncodeError, type RecordPart } from './codec-errors.js';
import type { Codec, ValueCheck } from './codecs.js';
import { describeFailure, schemaError } from './codec-errors.js';

/**
 * A serializer (Faust's `json`): turns a handler's values into record bytes and back. It comes first
 * in a chain (`msgpack|gzip`). Both methods are synchronous; `null` (a tombstone) never reaches them.
 */
export interface ValueCodec<T = unknown> {
  readonly kind: 'value';
  encode(value: T): Uint8Array;
  decode(bytes: Buffer): T;
}

/**
 * A byte codec (Faust's `binary`, `gzip`): turns bytes into other bytes and back. It comes after a
 * serializer (`json|rot13`); first in a chain it works on raw Buffers (`rot13` alone is `raw|rot13`).
 * `kind` may be left out. Both methods are synchronous; `null` (a tombstone) never reaches them.
 */
export interface BytesCodec {
  readonly kind?: 'bytes';
  encode(bytes: Buffer): Uint8Array;
  decode(bytes: Buffer): Uint8Array;
}

/** What a codec module exports, named in the manifest's `codecs:` section (`rot13: ./codecs.ts#rot13`). */
export type CustomCodec = ValueCodec | BytesCodec;

/** The loaded custom codecs, by the name the manifest gives them. */
export type CustomCodecs = ReadonlyMap<string, CustomCodec>;

const CODEC_SHAPE = "a codec is an object { kind?: 'value' | 'bytes', encode(x), decode(bytes) } with synchronous encode and decode";

/** Why `value` is not a CustomCodec, or `undefined` when it is one. */
export function customCodecProblem(value: unknown): string | undefined {
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'function' ? 'a function' : `a ${typeof value}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `is ${what}, not a codec; ${CODEC_SHAPE}`;
  const codec = value as Record<string, unknown>;
  const missing = (['encode', 'decode'] as const).filter((method) => typeof codec[method] !== 'function');
  if (missing.length > 0) return `has no ${missing.join(' and no ')} function; ${CODEC_SHAPE}`;
  if (codec['kind'] !== undefined && codec['kind'] !== 'value' && codec['kind'] !== 'bytes') {
    return `has kind ${JSON.stringify(codec['kind'])}; kind is 'value' (a serializer, first in a chain) or 'bytes' (a byte codec, the default)`;
  }
  return undefined;
}

export const isValueCodec = (codec: CustomCodec): codec is ValueCodec => codec.kind === 'value';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A codec's output as a Buffer; anything else (a Promise, a string) throws a TypeError naming what came back. */
function asBuffer(out: unknown, name: string, method: string): Buffer {
  if (Buffer.isBuffer(out)) return out;
  if (out instanceof Uint8Array) return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const got = out === null ? 'null' : typeof (out as { then?: unknown } | undefined)?.then === 'function' ? 'a Promise (codecs are synchronous)' : `a ${typeof out}`;
  throw new TypeError(`codec ${name}'s ${method} returned ${got}, not bytes (a Buffer or Uint8Array)`);
}

/** One byte step of a chain: bytes to bytes, failures already turned into EncodeError / DecodeError. */
export interface ByteStep {
  readonly name: string;
  encode(bytes: Buffer, part: RecordPart): Buffer;
  decode(bytes: Buffer, part: RecordPart): Buffer;
}

/** A custom byte codec as a chain step: what it throws is `unserializable` encoding, `invalid_encoding` decoding. */
export function customByteStep(name: string, codec: BytesCodec): ByteStep {
  return {
    name,
    encode(bytes, part) {
      try {
        return asBuffer(codec.encode(bytes), name, 'encode');
      } catch (error) {
        throw new EncodeError('unserializable', part, `codec ${name} failed: ${messageOf(error)}`, { cause: error });
      }
    },
    decode(bytes, part) {
      try {
        return asBuffer(codec.decode(bytes), name, 'decode');
      } catch (error) {
        throw new DecodeError({ reason: 'invalid_encoding', part, byteLength: bytes.length, expected: `codec ${name}`, cause: error }, messageOf(error));
      }
    },
  };
}

/**
 * A custom serializer as the first codec of a chain. `check` (a model or a primitive type) runs on the
 * decoded value, and on a value before it is encoded, as with `json`. What the codec throws decoding is
 * `invalid_encoding`; encoding, `unserializable`.
 */
export function customValueCodec(name: string, codec: ValueCodec, part: RecordPart, check?: ValueCheck): Codec<unknown> {
  return {
    name,
    part,
    encode(value) {
      if (value === null) return null;
      const failure = check?.check(value);
      if (failure !== undefined && check !== undefined) throw new EncodeError('schema', part, `it does not match ${check.label}: ${describeFailure(failure)}`, { failure });
      try {
        return asBuffer(codec.encode(value), name, 'encode');
      } catch (error) {
        throw new EncodeError('unserializable', part, `codec ${name} failed: ${messageOf(error)}`, { cause: error });
      }
    },
    decode(bytes) {
      if (bytes === null) return null;
      let value: unknown;
      try {
        value = codec.decode(bytes);
      } catch (error) {
        throw new DecodeError({ reason: 'invalid_encoding', part, byteLength: bytes.length, expected: `codec ${name}`, cause: error }, messageOf(error));
      }
      const failure = check?.check(value);
      if (failure !== undefined && check !== undefined) throw schemaError(part, bytes, check.label, failure);
      return value;
    },
  };
}
