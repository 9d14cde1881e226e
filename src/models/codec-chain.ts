// Codec chains (Faust's `json|binary`): a serializer name, then byte codecs that wrap its bytes, as a
// manifest writes them in `keySerializer` / `valueSerializer`, e.g. `json|gzip` or `json|rot13` with a
// custom codec (custom-codec.ts). Encoding runs the chain left to right (JSON text, then gzip);
// decoding runs it right to left. A chain that starts with a byte codec carries Buffers (`binary`
// alone is `raw|binary`). Built once per topic; pure.

import { gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError, EncodeError } from './codec-errors.js';
import type { Codec, SerializerName } from './codecs.js';
import { customByteStep, isValueCodec, type ByteStep, type CustomCodecs } from './custom-codec.js';

/** The serializers a chain may start with. */
export const SERIALIZER_NAMES: readonly SerializerName[] = ['json', 'raw', 'string'];

/** Byte codecs: `gzip` compresses, `binary` is base64 text (Faust's `binary` codec). */
export const BYTE_CODEC_NAMES = ['gzip', 'binary'] as const;
export type ByteCodecName = (typeof BYTE_CODEC_NAMES)[number];

/**
 * A parsed chain: the serializer that turns values into bytes, then the byte codecs, in encoding order.
 * A name may be a custom codec's (the manifest's `codecs:`); `resolveCodecChain` places it by its kind.
 */
export interface CodecChain {
  /** A built-in serializer, or a custom codec's name. */
  readonly serializer: string;
  /** Built-in byte codecs or custom codecs' names. */
  readonly byteCodecs: readonly string[];
}

/** Every built-in name a chain may hold, for messages and "did you mean". */
export const CODEC_NAMES: readonly string[] = [...SERIALIZER_NAMES, ...BYTE_CODEC_NAMES];

const isSerializer = (name: string): name is SerializerName => (SERIALIZER_NAMES as readonly string[]).includes(name);
const isByteCodec = (name: string): name is ByteCodecName => (BYTE_CODEC_NAMES as readonly string[]).includes(name);

/** A chain that cannot be: a sentence saying why, and the name at fault. */
export interface ChainProblem {
  readonly problem: string;
  readonly name: string;
}

/**
 * Parses `json|gzip`, where `customNames` are the manifest's custom codecs. Returns the chain, or what
 * is wrong and the name at fault (an unknown name, or a built-in serializer after the first place:
 * only the first link turns values into bytes). A custom name's kind is checked by `resolveCodecChain`.
 */
export function parseCodecChain(spec: string, customNames: readonly string[] = []): CodecChain | ChainProblem {
  const names = spec.split('|').map((name) => name.trim());
  const [first = '', ...rest] = names;
  const unknown = names.find((name) => !isSerializer(name) && !isByteCodec(name) && !customNames.includes(name));
  if (unknown !== undefined) {
    const all = [...CODEC_NAMES, ...customNames].join(', ');
    return { problem: `unknown codec "${unknown}" in "${spec}"; codecs: ${all} (chain them with |, e.g. json|gzip; custom codecs are declared under codecs:)`, name: unknown };
  }
  const misplaced = rest.find(isSerializer);
  if (misplaced !== undefined) {
    return { problem: `"${misplaced}" turns values into bytes, so it can only come first in "${spec}"; after it come byte codecs (${BYTE_CODEC_NAMES.join(', ')})`, name: misplaced };
  }
  if (isSerializer(first) || customNames.includes(first)) return { serializer: first, byteCodecs: rest };
  return { serializer: 'raw', byteCodecs: names };
}

/**
 * Places the chain's custom codecs by their kind once they are loaded: a byte codec first means raw
 * bytes (`rot13` is `raw|rot13`); a value codec anywhere but first, or a name not loaded, is a problem.
 */
export function resolveCodecChain(chain: CodecChain, custom: CustomCodecs): CodecChain | ChainProblem {
  const spec = formatCodecChain(chain);
  for (const name of [chain.serializer, ...chain.byteCodecs]) {
    if (!isSerializer(name) && !isByteCodec(name) && !custom.has(name)) return { problem: `codec "${name}" in "${spec}" is not loaded`, name };
  }
  const misplaced = chain.byteCodecs.find((name) => custom.get(name)?.kind === 'value');
  if (misplaced !== undefined) {
    return { problem: `custom codec "${misplaced}" has kind 'value' (it turns values into bytes), so it can only come first in "${spec}"; give it kind 'bytes' to use it after a serializer`, name: misplaced };
  }
  const first = custom.get(chain.serializer);
  if (first === undefined || isValueCodec(first)) return chain;
  return { serializer: 'raw', byteCodecs: [chain.serializer, ...chain.byteCodecs] };
}

/** The chain as a manifest writes it: `json|gzip`, or just `json`. */
export function formatCodecChain(chain: CodecChain): string {
  return [chain.serializer, ...chain.byteCodecs].join('|');
}

/** Whether the chain names a custom codec (one `streamd send` and the worker must load first). */
export function usesCustomCodec(chain: CodecChain): boolean {
  return [chain.serializer, ...chain.byteCodecs].some((name) => !isSerializer(name) && !isByteCodec(name));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const GZIP_STEP: ByteStep = {
  name: 'gzip',
  encode: (bytes) => gzipSync(bytes),
  decode(bytes, part) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw new DecodeError({ reason: 'invalid_encoding', part, byteLength: bytes.length, expected: 'codec gzip', cause: error }, error instanceof Error ? error.message : String(error));
    }
  },
};

const BINARY_STEP: ByteStep = {
  name: 'binary',
  encode: (bytes) => Buffer.from(bytes.toString('base64'), 'latin1'),
  decode(bytes, part) {
    const text = bytes.toString('latin1');
    if (text.length % 4 !== 0 || !BASE64.test(text)) {
      throw new DecodeError({ reason: 'invalid_encoding', part, byteLength: bytes.length, expected: 'codec binary' }, 'not base64 text');
    }
    return Buffer.from(text, 'base64');
  },
};

function stepOf(name: string, custom: CustomCodecs): ByteStep {
  if (name === 'gzip') return GZIP_STEP;
  if (name === 'binary') return BINARY_STEP;
  const codec = custom.get(name);
  if (codec === undefined || isValueCodec(codec)) throw new TypeError(`"${name}" is not a byte codec; resolve the chain first (resolveCodecChain)`);
  return customByteStep(name, codec);
}

/**
 * `inner` followed by `byteCodecs` (built-in names, or custom byte codecs from `custom`): encode runs
 * `inner` then each byte codec in order; decode undoes them in reverse, then decodes with `inner`.
 * `null` (a tombstone) passes through untouched. With no byte codecs, `inner` itself comes back.
 */
export function chainCodec<T>(inner: Codec<T>, byteCodecs: readonly string[], custom: CustomCodecs = new Map()): Codec<T> {
  if (byteCodecs.length === 0) return inner;
  const steps = byteCodecs.map((name) => stepOf(name, custom));
  const reversed = [...steps].reverse();
  return {
    name: inner.name,
    part: inner.part,
    encode(value) {
      const bytes = inner.encode(value);
      if (bytes === null) return null;
      try {
        return steps.reduce((out, step) => step.encode(out, inner.part), bytes);
      } catch (error) {
        if (error instanceof EncodeError) throw error;
        throw new EncodeError('unserializable', inner.part, `codec chain failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
    decode(bytes) {
      if (bytes === null) return inner.decode(null);
      return inner.decode(reversed.reduce((out, step) => step.decode(out, inner.part), bytes));
    },
  };
}
