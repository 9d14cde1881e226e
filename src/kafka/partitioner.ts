// Key → partition, byte-for-byte as Java's producer picks it (murmur2, positive, modulo count).
// Both drivers use this, so a key lands on the same partition whichever driver wrote it.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 hash of `data` (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i]! & 0xff) | ((data[i + 1]! & 0xff) << 8) | ((data[i + 2]! & 0xff) << 16) | ((data[i + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= (data[whole + 2]! & 0xff) << 16;
  if (tail >= 2) h ^= (data[whole + 1]! & 0xff) << 8;
  if (tail >= 1) {
    h ^= data[whole]! & 0xff;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Java's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}

/**
 * Picks partitions for records: by key when there is one, else round-robin per topic.
 * One instance per producer.
 */
export class Partitioner {
  readonly #next = new Map<string, number>();

  partition(topic: string, key: Uint8Array | null | undefined, partitionCount: number): number {
    if (key !== null && key !== undefined) return partitionForKey(key, partitionCount);
    const next = this.#next.get(topic) ?? 0;
    this.#next.set(topic, next + 1);
    return next % partitionCount;
  }
}
