// Abort signals with a deadline, and waiting on a promise until a signal aborts. Used by broker.ts
// to bound a broker's startup by time, by the JVM exiting, and by the caller's own signal.

/** An AbortController that also aborts on its own after a deadline or when `parent` aborts. */
export interface Deadline {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** Clears the timer and the parent listener; the signal stays as it is. */
  dispose(): void;
}

/**
 * Starts a deadline of `timeoutMs`; on expiry the signal aborts with `onTimeout()` (called then, so
 * the error can describe the state at that moment).
 */
export function startDeadline(timeoutMs: number, onTimeout: () => Error, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(onTimeout()), timeoutMs);
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted === true) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Settles like `promise`, or rejects with `signal.reason` if the signal aborts first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

/** The value as an Error (abort reasons and rejections may be anything). */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
