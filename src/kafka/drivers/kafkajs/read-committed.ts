// read_committed for kafkajs 2.2.4: its filter of aborted records (src/consumer/filterAbortedMessages.js)
// lets aborted records through, so this module puts a correct one in its place before kafkajs loads.
//
// A fetch answer carries, besides the records, the aborted transactions of the range it covers: a
// producer id and the offset where that transaction began. A record of a transactional batch is
// aborted when an aborted transaction of its producer began at or before it and that producer's
// abort marker has not come yet. kafkajs 2.2.4 walks the records and, per record, starts at most
// one aborted transaction, the next of the list as the broker sent it. The broker sends the list in
// the order of the abort markers, not of the first offsets, and several transactions often begin
// before one record (a fetch that starts inside them, several producers writing one partition), so
// an aborted transaction was started late or never, and its records were delivered as committed.
// Seen on the real broker: a repartition topic written by four task producers, some transactions
// aborted by kill -9 and fencing; the markers say 200,000 records committed, kafkajs read_committed
// returned 205,452 (duplicates downstream, and in every read_committed reader of the test).
//
// The filter here is the Java consumer's (Fetcher / CompletedFetch): aborted transactions ordered
// by first offset, every one that began at or before a record is started before the record is
// judged, an abort marker of a producer ends its aborted transaction, and only records of
// transactional batches are dropped. kafkajs's Batch takes the filter once, when batch.js loads, so
// the replacement goes into the require cache first: kafkajs.ts imports this module before kafkajs.

import { createRequire, Module } from 'node:module';

/** The parts of a kafkajs message the filter reads. */
export interface RawMessage {
  readonly offset: string;
  readonly key?: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** A control record's key: version (int16) and type (int16), 0 = abort, 1 = commit. */
function isAbortMarker(message: RawMessage): boolean {
  const key = message.key;
  return message.isControlRecord === true && key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0;
}

/** The records of `messages` (in offset order) that no aborted transaction holds; control records stay. */
export function filterAbortedMessages<M extends RawMessage>({ messages, abortedTransactions }: { messages: M[]; abortedTransactions?: readonly AbortedTransaction[] }): M[] {
  if (abortedTransactions === undefined || abortedTransactions.length === 0) return messages;
  const pending = abortedTransactions.map((t) => ({ producerId: String(t.producerId), firstOffset: BigInt(t.firstOffset) })).sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const aborting = new Set<string>();
  let next = 0;
  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (next < pending.length && pending[next]!.firstOffset <= offset) aborting.add(pending[next++]!.producerId);
    const producerId = String(message.batchContext.producerId);
    if (isAbortMarker(message)) {
      aborting.delete(producerId);
      return true;
    }
    return !(message.batchContext.inTransaction && aborting.has(producerId));
  });
}

const require = createRequire(import.meta.url);
const target = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const batch = require.resolve('kafkajs/src/consumer/batch.js');
if (require.cache[batch] === undefined) {
  const replacement = new Module(target);
  replacement.filename = target;
  replacement.loaded = true;
  replacement.exports = filterAbortedMessages;
  require.cache[target] = replacement;
} else {
  // kafkajs was loaded before this module (a script that imports kafkajs itself first): its batches
  // keep the faulty filter. streamd's own processes load kafkajs only through kafkajs.ts.
  process.emitWarning('kafkajs was loaded before streamd could correct its read_committed filter: aborted records may be delivered', { code: 'STREAMD_KAFKAJS_READ_COMMITTED' });
}
