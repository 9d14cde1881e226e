// The lifecycle states of a Service and the one table of legal moves between them.
// Service consults the table on every change; nothing else changes a service's state.

/**
 * Where a service is in its life. The legal moves (anything else throws `IllegalStateError`):
 *
 * | from     | to       | when                                                                   |
 * |----------|----------|------------------------------------------------------------------------|
 * | idle     | starting | `start()`                                                              |
 * | idle     | stopped  | `stop()` before `start()`: nothing ran, nothing to clean up            |
 * | starting | running  | `onStart()` and every child started                                    |
 * | starting | stopping | a start step failed, or `stop()`/`crash()` came during start: undo it  |
 * | running  | stopping | `stop()`, or `crash()` (a failed loop, a crashed child)                |
 * | stopping | stopped  | a requested stop finished every cleanup step                           |
 * | stopping | crashed  | a crash or a failed start finished every cleanup step                  |
 *
 * `stopped` and `crashed` are final: a service starts once. A supervisor restarts a child by
 * building a fresh instance from the child's factory.
 */
export type ServiceState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** The transition table above, as data. */
export const SERVICE_TRANSITIONS: Readonly<Record<ServiceState, readonly ServiceState[]>> = {
  idle: ['starting', 'stopped'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped', 'crashed'],
  stopped: [],
  crashed: [],
};

/** True when the table allows moving from `from` to `to`. */
export function canTransition(from: ServiceState, to: ServiceState): boolean {
  return SERVICE_TRANSITIONS[from].includes(to);
}
