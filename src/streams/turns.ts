// Processing that never waits on I/O runs as one unbroken chain of microtasks: a handler whose table
// reads all answer from memory takes a whole backlog of buffered events without the event loop
// reaching its timers or sockets — no heartbeat (the group evicts the member once its session
// timeout passes, and at-least-once replays everything since the last commit), no commit, no
// window close, no HTTP answer. Channels hand events over through `isTurnOver`/`nextTurn`: after
// TURN_MS of continuous work the next event waits for a setImmediate, so timers and I/O run first.

import { performance } from 'node:perf_hooks';

/**
 * How long a run of processing holds the event loop before it lets timers and I/O in. Too low: a
 * setImmediate per few events (throughput); too high: heartbeats, commits and HTTP answers late.
 */
export const TURN_MS = 20;

let turnStartedAt = 0;
/** A setImmediate is pending that marks the end of the current run (the loop reached its check phase). */
let isRunMarked = false;

/**
 * True once the current run of processing has held the event loop for TURN_MS. The first check of a
 * run starts its clock, and a setImmediate marks where the run ends: a run that goes on past it
 * (microtasks only) finds its turn over, and one that lets the loop turn starts a new one.
 */
export function isTurnOver(): boolean {
  const now = performance.now();
  if (!isRunMarked) {
    isRunMarked = true;
    turnStartedAt = now;
    setImmediate(() => (isRunMarked = false));
    return false;
  }
  return now - turnStartedAt >= TURN_MS;
}

/** Resolves after the event loop's next check phase: timers and I/O get their turn first. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
