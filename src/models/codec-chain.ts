// Codec chains (Faust's `json|binary`): a serializer name, then byte codecs that wrap its bytes, as a
// manifest writes them in `keySerializer` / `valueSerializer`, e.g. `json|gzip`. Encoding runs the chain
// left to right (JSON text, then gzip); decoding runs it right to left. A chain that starts with a byte
// codec carries Buffers (`binary` alone is `raw|binary`). Built once per topic; pure.

import { gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError, EncodeError, type RecordPart } from './codec-errors.js';
import type { Codec, SerializerName } from './codecs.js';

/** The serializers a chain may start with. */
export const SERIALIZER_NAMES: readonly SerializerName[] = ['json', 'raw', 'string'];

/** Byte codecs: `gzip` compresses, `binary` is base64 text (Faust's `binary` codec). */
export const BYTE_CODEC_NAMES = ['gzip', 'binary'] as const;
export type ByteCodecName = (typeof BYTE_CODEC_NAMES)[number];

/** A parsed chain: the serializer that turns values into bytes, then the byte codecs, in encoding order. */
export interface CodecChain {
  readonly serializer: SerializerName;
  readonly byteCodecs: readonly ByteCodecName[];
}

/** Every name a chain may hold, for messages and "did you mean". */
export const CODEC_NAMES: readonly string[] = [...SERIALIZER_NAMES, ...BYTE_CODEC_NAMES];

const isSerializer = (name: string): name is SerializerName => (SERIALIZER_NAMES as readonly string[]).includes(name);
const isByteCodec = (name: string): name is ByteCodecName => (BYTE_CODEC_NAMES as readonly string[]).includes(name);

/**
 * Parses `json|gzip`. Returns the chain, or a sentence saying what is wrong and the name at fault
 * (an unknown name, or a serializer after the first place: only the first link turns values into bytes).
 */
export function parseCodecChain(spec: string): CodecChain | { readonly problem: string; readonly name: string } {
  const names = spec.split('|').map((name) => name.trim());
  const [first = '', ...rest] = names;
  const unknown = names.find((name) => !isSerializer(name) && !isByteCodec(name));
  if (unknown !== undefined) {
    return { problem: `unknown codec "${unknown}" in "${spec}"; codecs: ${CODEC_NAMES.join(', ')} (chain them with |, e.g. json|gzip)`, name: unknown };
  }
  const misplaced = rest.find(isSerializer);
  if (misplaced !== undefined) {
    return { problem: `"${misplaced}" turns values into bytes, so it can only come first in "${spec}"; after it come byte codecs (${BYTE_CODEC_NAMES.join(', ')})`, name: misplaced };
  }
  if (isSerializer(first)) return { serializer: first, byteCodecs: rest as ByteCodecName[] };
  return { serializer: 'raw', byteCodecs: names as ByteCodecName[] };
}

/** The chain as a manifest writes it: `json|gzip`, or just `json`. */
export function formatCodecChain(chain: CodecChain): string {
  return [chain.serializer, ...chain.byteCodecs].join('|');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function encodeBytes(name: ByteCodecName, bytes: Buffer): Buffer {
  return name === 'gzip' ? gzipSync(bytes) : Buffer.from(bytes.toString('base64'), 'latin1');
}

function decodeBytes(name: ByteCodecName, bytes: Buffer, part: RecordPart): Buffer {
  if (name === 'binary') {
    const text = bytes.toString('latin1');
    if (text.length % 4 !== 0 || !BASE64.test(text)) {
      throw new DecodeError({ reason: 'invalid_encoding', part, byteLength: bytes.length, expected: 'codec binary' }, 'not base64 text');
    }
    return Buffer.from(text, 'base64');
  }
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new DecodeError({ reason: 'invalid_encoding', part, byteLength: bytes.length, expected: 'codec gzip', cause: error }, error instanceof Error ? error.message : String(error));
  }
}

/**
 * `inner` followed by `byteCodecs`: encode runs `inner` then each byte codec in order; decode undoes
 * them in reverse, then decodes with `inner`. `null` (a tombstone) passes through untouched. With no
 * byte codecs, `inner` itself comes back.
 */
export function chainCodec<T>(inner: Codec<T>, byteCodecs: readonly ByteCodecName[]): Codec<T> {
  if (byteCodecs.length === 0) return inner;
  const reversed = [...byteCodecs].reverse();
  return {
    name: inner.name,
    part: inner.part,
    encode(value) {
      const bytes = inner.encode(value);
      if (bytes === null) return null;
      try {
        return byteCodecs.reduce((out, name) => encodeBytes(name, out), bytes);
      } catch (error) {
        throw new EncodeError('unserializable', inner.part, `codec chain failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
    decode(bytes) {
      if (bytes === null) return inner.decode(null);
      return inner.decode(reversed.reduce((out, name) => decodeBytes(name, out, inner.part), bytes));
    },
  };
}
