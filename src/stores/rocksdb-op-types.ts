// rocksdb-native 3.18.1 (lib/batch.js) gives each write operation its `type` through a getter on the
// operation's class, and its native write reads `type` of every operation: a call from C++ back into
// JavaScript per put or delete, a measurable part of a store write (~0.1-0.5 µs per put in a
// microbenchmark of 10,000-put writes). The getter returns a constant of the class, so the same value
// as a plain property of the class's prototype reads the same, without the call. The classes are not
// exported: each is reached through the prototype of the first operation of its kind. Anything else
// found there (another rocksdb-native) is left alone.

const fastened = new WeakSet<object>();

/** Makes the `type` of `operation`'s class a plain value, once per class. */
export function fastenOperationType(operation: unknown): void {
  if (typeof operation !== 'object' || operation === null) return;
  const proto = Object.getPrototypeOf(operation) as object | null;
  if (proto === null || fastened.has(proto)) return;
  fastened.add(proto);
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'type');
  if (descriptor?.get === undefined || descriptor.set !== undefined) return;
  const type: unknown = descriptor.get.call(operation);
  if (typeof type !== 'number') return;
  Object.defineProperty(proto, 'type', { value: type, writable: false, enumerable: false, configurable: true });
}

/** The operations a rocksdb-native write batch holds (its `_operations`), when it has them. */
export function operationsOf(batch: unknown): readonly unknown[] {
  const operations = (batch as { _operations?: unknown })._operations;
  return Array.isArray(operations) ? operations : [];
}
