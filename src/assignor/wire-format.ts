// The envelope of streamd's assignor userData and the checks on the JSON inside it. Used by
// subscription-codec.ts and cluster-codec.ts; data from other processes is checked, never trusted.
//
// Envelope: bytes 0–1 the magic "SD", byte 2 the kind ("S" subscription, "A" assignment), byte 3
// the format version, then the payload: UTF-8 JSON compressed with raw deflate (node:zlib).

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { AssignorProtocolError } from './errors.js';

/** The userData format version this build writes and reads. */
export const USER_DATA_VERSION = 1;

const MAGIC = Buffer.from('SD', 'latin1');
const HEADER_BYTES = 4;

export type UserDataKind = 'subscription' | 'assignment';

const KIND_BYTE: Readonly<Record<UserDataKind, number>> = { subscription: 0x53, assignment: 0x41 };

/** Wraps a JSON value in the envelope. */
export function seal(kind: UserDataKind, value: unknown): Buffer {
  const header = Buffer.from([MAGIC[0]!, MAGIC[1]!, KIND_BYTE[kind], USER_DATA_VERSION]);
  return Buffer.concat([header, deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'))]);
}

/** Unwraps the envelope; throws `AssignorProtocolError` for anything but this version's `kind`. */
export function open(kind: UserDataKind, userData: Buffer): unknown {
  if (userData.length < HEADER_BYTES || userData[0] !== MAGIC[0] || userData[1] !== MAGIC[1]) {
    throw new AssignorProtocolError(`${kind} userData is not streamd's (${userData.length} bytes, no "SD" header): is every member running the streamd assignor?`);
  }
  if (userData[2] !== KIND_BYTE[kind]) {
    const found = Object.entries(KIND_BYTE).find(([, byte]) => byte === userData[2])?.[0] ?? `kind 0x${userData[2]!.toString(16)}`;
    throw new AssignorProtocolError(`expected ${kind} userData, got ${found} userData`);
  }
  const version = userData[3]!;
  if (version !== USER_DATA_VERSION) {
    throw new AssignorProtocolError(
      `${kind} userData has format version ${version}, this streamd reads version ${USER_DATA_VERSION}: run one streamd version across the group`,
    );
  }
  try {
    return JSON.parse(inflateRawSync(userData.subarray(HEADER_BYTES)).toString('utf8')) as unknown;
  } catch (cause) {
    throw new AssignorProtocolError(`${kind} userData is corrupt: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Reads fields of untrusted JSON, throwing `AssignorProtocolError` that names the bad path. */
export class JsonReader {
  constructor(
    private readonly kind: UserDataKind,
    readonly value: unknown,
    readonly path = '$',
  ) {}

  fail(expected: string): never {
    throw new AssignorProtocolError(`${this.kind} userData: ${this.path} must be ${expected}`);
  }

  field(name: string): JsonReader {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) this.fail('an object');
    return new JsonReader(this.kind, (this.value as Record<string, unknown>)[name], `${this.path}.${name}`);
  }

  items(): JsonReader[] {
    if (!Array.isArray(this.value)) this.fail('an array');
    return (this.value as unknown[]).map((item, i) => new JsonReader(this.kind, item, `${this.path}[${i}]`));
  }

  entries(): [string, JsonReader][] {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) this.fail('an object');
    return Object.entries(this.value as Record<string, unknown>).map(([key, item]) => [key, new JsonReader(this.kind, item, `${this.path}.${key}`)]);
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail('a string');
    return this.value;
  }

  nullableString(): string | null {
    return this.value === null ? null : this.string();
  }

  /** An integer ≥ `min`. */
  integer(min = 0): number {
    if (typeof this.value !== 'number' || !Number.isSafeInteger(this.value) || this.value < min) this.fail(`an integer ≥ ${min}`);
    return this.value;
  }

  strings(): string[] {
    return this.items().map((item) => item.string());
  }

  integers(min = 0): number[] {
    return this.items().map((item) => item.integer(min));
  }
}
