// runNow: the embedded broker does its work synchronously, but the port is asynchronous; this runs the
// work at once and hands back its result, or what it threw, as a promise.

/** Runs `work` now; resolves with its result or rejects with what it threw. */
export function runNow<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
