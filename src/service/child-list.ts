// The ordered children of a service: each with the reason for its position, its crash listener,
// the swap a supervisor makes on restart, and a start that a stop can interrupt. Only Service uses it.

import { IllegalStateError } from '../errors/index.js';
import type { CrashListener } from './types.js';

/** What the list needs from a child (a `Service`, seen structurally to keep the import one-way). */
export interface ChildService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<unknown>;
  onCrash(listener: CrashListener): () => void;
}

/**
 * Starts `child`; if `signal` aborts meanwhile, stops the child and waits for that stop. Rejects
 * with the child's start error, or with the signal's reason if it had already aborted.
 */
export async function startUnlessAborted(child: ChildService, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  let stopping: Promise<unknown> | undefined;
  const onAbort = (): void => {
    stopping = child.stop();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await child.start();
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (stopping !== undefined) await stopping;
  }
}

/** A child, and why it sits where it does in the start order (the boot list prints it). */
export interface ChildEntry<S extends ChildService> {
  readonly service: S;
  readonly why: string | undefined;
}

interface Slot<S extends ChildService> {
  service: S;
  readonly why: string | undefined;
  detach: () => void;
}

/** Children in start order; calls `onChildCrashed` for each crash of a child it listens to. */
export class ChildList<S extends ChildService> {
  readonly #owner: string;
  readonly #onChildCrashed: (child: S, error: unknown) => void;
  readonly #slots: Slot<S>[] = [];

  constructor(owner: string, onChildCrashed: (child: S, error: unknown) => void) {
    this.#owner = owner;
    this.#onChildCrashed = onChildCrashed;
  }

  get entries(): readonly ChildEntry<S>[] {
    return this.#slots.map(({ service, why }) => ({ service, why }));
  }

  has(child: S): boolean {
    return this.#slots.some((slot) => slot.service === child);
  }

  add(child: S, why: string | undefined): void {
    this.#slots.push({ service: child, why, detach: this.#listenTo(child) });
  }

  /** Puts `fresh` in the slot of `current` (same position and reason) and listens to it instead. */
  replace(current: S, fresh: S): void {
    const slot = this.#slotOf(current);
    slot.detach();
    slot.service = fresh;
    slot.detach = this.#listenTo(fresh);
  }

  /** Stops listening to `child`'s crashes; it keeps its slot until replaced. */
  detach(child: S): void {
    const slot = this.#slotOf(child);
    slot.detach();
    slot.detach = () => undefined;
  }

  #slotOf(child: S): Slot<S> {
    const slot = this.#slots.find((candidate) => candidate.service === child);
    if (slot === undefined) throw new IllegalStateError(`'${child.name}' is not a child of service '${this.#owner}'`);
    return slot;
  }

  #listenTo(child: S): () => void {
    return child.onCrash((error) => this.#onChildCrashed(child, error));
  }
}
