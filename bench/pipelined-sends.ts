// Loads a topic for a benchmark: record batches handed to one producer with a few sends queued, so
// the producer never waits for the next batch to be built. Used by every bench that preloads input.

import type { Producer, ProducerRecord } from '../src/kafka/index.js';

/** Sends every batch `batches` yields, keeping up to `inFlight` sends outstanding; resolves when all have. */
export async function sendPipelined(producer: Producer, batches: Iterable<readonly ProducerRecord[]>, inFlight: number): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (const batch of batches) {
    const sending = producer.send(batch);
    pending.add(sending);
    void sending.finally(() => pending.delete(sending)).catch(() => undefined);
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
}
