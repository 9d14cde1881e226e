// How a table's keys are encoded in its changelog and store: with the codec of the topic that writes
// the table (raw UTF-8 for `string` keys), named in a header on every changelog record. Records
// without the header were written by earlier streamd versions, which encoded every table key as JSON;
// recovery, standbys and global followers re-encode those into the table's codec as they apply them.

import type { ConsumerRecord } from '../kafka/index.js';
import { jsonCodec, rawCodec, stringCodec, type Codec, type SerializerName } from '../models/index.js';

/** Header on every changelog record: the key's codec (`string`, `json`, `raw`). */
export const KEY_ENCODING_HEADER = 'streamd-key-encoding';

/** What a changelog record without the header encoded its key with (earlier streamd versions). */
export const LEGACY_KEY_ENCODING: SerializerName = 'json';

const CODECS: Readonly<Record<SerializerName, Codec<unknown>>> = { json: jsonCodec('key'), string: stringCodec('key'), raw: rawCodec('key') };

const isSerializerName = (name: string): name is SerializerName => name === 'json' || name === 'string' || name === 'raw';

/** Turns the key of a changelog record into the table's key bytes; `isReencoded` when it was written in another encoding. */
export type ChangelogKeyReader = (record: ConsumerRecord) => { readonly key: Buffer; readonly isReencoded: boolean } | undefined;

/** Whether two short byte strings (codec names) are equal. */
function isSameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/**
 * Reads changelog keys for a table whose keys use `codec`: a record in the table's own encoding
 * (named by its header) keeps its bytes; any other (header-less: legacy JSON) is decoded with its
 * encoding and encoded with the table's. A key that does not decode, or does not fit the table's
 * codec, keeps its bytes: better a key under odd bytes than a lost value.
 */
export function changelogKeyReader(codec: Codec<unknown>): ChangelogKeyReader {
  // Compared as bytes, in JavaScript: the header of nearly every record names the table's own codec,
  // and a string made of it, or a call into C++ (Buffer#equals), per record is a cost of every
  // restored record.
  const ownName = Buffer.from(codec.name, 'latin1');
  return (record) => {
    const { key } = record;
    if (key === null) return undefined;
    const header = record.headers[KEY_ENCODING_HEADER];
    if (header !== undefined && isSameBytes(header, ownName)) return { key, isReencoded: false };
    const named = header?.toString('latin1') ?? LEGACY_KEY_ENCODING;
    if (named === codec.name || !isSerializerName(named)) return { key, isReencoded: false };
    try {
      const encoded = codec.encode(CODECS[named].decode(key));
      return encoded === null ? { key, isReencoded: false } : { key: encoded, isReencoded: true };
    } catch {
      return { key, isReencoded: false };
    }
  };
}
