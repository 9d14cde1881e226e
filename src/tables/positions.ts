// What a table partition's state reflects of its input: for each topic that writes it (at the
// table's partition number), the next offset whose effects are *not* in the table; and, for records
// that came through a repartition topic, the highest upstream ("origin") offset applied per origin
// partition. Written with every changelog flush (a header on each record) and into the store's
// metadata, so after a crash the worker resumes each input at the first event the table lacks and
// drops repartition records the upstream stage sent twice. Together they keep an at-least-once
// replay from counting an event twice in a table.

import type { ConsumerRecord } from '../kafka/index.js';

/** The header that carries the upstream record of a repartitioned record: `topic\0partition\0offset`. */
export const ORIGIN_HEADER = 'streamd-origin';
/** The header on changelog records that carries the partition's positions (JSON). */
export const POSITIONS_HEADER = 'streamd-positions';

export function originHeader(record: Pick<ConsumerRecord, 'topic' | 'partition' | 'offset'>): Buffer {
  return Buffer.from(`${record.topic}\u0000${record.partition}\u0000${record.offset}`);
}

/** Where a repartitioned record came from: its origin partition id (`topic\0partition`) and offset. */
export interface Origin {
  readonly id: string;
  readonly offset: bigint;
}

/**
 * The origin of a repartitioned record, if it says. Read as latin1: topic names are ASCII (Kafka
 * allows only letters, digits, `.`, `_` and `-`), and latin1 is the cheaper decode.
 */
export function readOrigin(record: Pick<ConsumerRecord, 'headers'>): Origin | undefined {
  const raw = record.headers[ORIGIN_HEADER];
  if (raw === undefined) return undefined;
  const text = raw.toString('latin1');
  const cut = text.lastIndexOf('\u0000');
  if (cut <= 0) return undefined;
  try {
    return { id: text.slice(0, cut), offset: BigInt(text.slice(cut + 1)) };
  } catch {
    return undefined;
  }
}

export class TablePositions {
  /** Writer topic → next offset not reflected. */
  readonly sources = new Map<string, bigint>();
  /** Writer topic → origin partition id → highest origin offset reflected. */
  readonly origins = new Map<string, Map<string, bigint>>();

  static decode(bytes: Buffer | undefined): TablePositions {
    const positions = new TablePositions();
    if (bytes === undefined || bytes.length === 0) return positions;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString());
    } catch {
      return positions;
    }
    if (parsed === null || typeof parsed !== 'object') return positions;
    const { s, o } = parsed as { s?: Record<string, string>; o?: Record<string, Record<string, string>> };
    for (const [topic, offset] of Object.entries(s ?? {})) positions.advanceSource(topic, BigInt(offset));
    for (const [topic, origins] of Object.entries(o ?? {})) {
      for (const [id, offset] of Object.entries(origins)) positions.advanceOrigin(topic, id, BigInt(offset));
    }
    return positions;
  }

  encode(): Buffer {
    const s: Record<string, string> = {};
    for (const [topic, offset] of this.sources) s[topic] = offset.toString();
    const o: Record<string, Record<string, string>> = {};
    for (const [topic, origins] of this.origins) {
      const entry: Record<string, string> = {};
      for (const [id, offset] of origins) entry[id] = offset.toString();
      o[topic] = entry;
    }
    return Buffer.from(JSON.stringify({ s, o }));
  }

  advanceSource(topic: string, next: bigint): void {
    const current = this.sources.get(topic);
    if (current === undefined || next > current) this.sources.set(topic, next);
  }

  advanceOrigin(topic: string, id: string, offset: bigint): void {
    let origins = this.origins.get(topic);
    if (origins === undefined) this.origins.set(topic, (origins = new Map<string, bigint>()));
    const current = origins.get(id);
    if (current === undefined || offset > current) origins.set(id, offset);
  }

  /**
   * Takes in what `record` (a processed input record) contributes. `origin`: its origin header as
   * `readOrigin` read it, for a caller that already did (read here otherwise).
   */
  advance(record: Pick<ConsumerRecord, 'topic' | 'offset' | 'headers'>, origin: Origin | undefined = readOrigin(record)): void {
    this.advanceSource(record.topic, record.offset + 1n);
    if (origin !== undefined) this.advanceOrigin(record.topic, origin.id, origin.offset);
  }

  /**
   * True when the table already reflects `record`: an event processed again, or sent twice upstream.
   * `origin` as for `advance`; without it, the header is read only when some origin could match.
   */
  covers(record: Pick<ConsumerRecord, 'topic' | 'offset' | 'headers'>, known?: { readonly origin: Origin | undefined }): boolean {
    const next = this.sources.get(record.topic);
    if (next !== undefined && record.offset < next) return true;
    if (this.origins.size === 0) return false;
    const origins = this.origins.get(record.topic);
    if (origins === undefined) return false;
    const origin = known === undefined ? readOrigin(record) : known.origin;
    if (origin === undefined) return false;
    const seen = origins.get(origin.id);
    return seen !== undefined && origin.offset <= seen;
  }

  /** Raises every position to at least `other`'s. */
  merge(other: TablePositions): void {
    for (const [topic, offset] of other.sources) this.advanceSource(topic, offset);
    for (const [topic, origins] of other.origins) for (const [id, offset] of origins) this.advanceOrigin(topic, id, offset);
  }

  clone(): TablePositions {
    const copy = new TablePositions();
    copy.merge(this);
    return copy;
  }

  get isEmpty(): boolean {
    return this.sources.size === 0 && this.origins.size === 0;
  }
}
