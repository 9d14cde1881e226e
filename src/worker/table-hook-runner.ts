// The loaded table hooks of the manifest (onKeySet, onKeyDel, onChangelogEvent), run for the tables
// (the TableHooks port) with a context as a timer's. Key hooks run one at a time in write order,
// after the writing handler's turn; onChangelogEvent is awaited by the recovery, standby or follower
// that applied the record. A hook that throws or rejects is logged and counted, and the worker goes
// on. Built by the worker; swapped by hot reload.

import type { Logger } from 'pino';
import type { HandlerContext } from '../agents/index.js';
import type { TableHookName } from '../manifest/index.js';
import type { ChangelogEvent, HookSite, KeyChange, TableHooks } from '../tables/index.js';
import { jobContext, type TimerContextParts } from '../timers/index.js';

/** onKeySet: called after a handler's `set` (or `update`, `add`, `discard`) is accepted, with the key, its new value and partition. */
export type KeySetHandler<K = unknown, V = unknown> = (change: KeyChange<K, V>, context: HandlerContext) => unknown;
/** onKeyDel: called after a handler's `delete` (or a set table's `clear`) is accepted; `value` is null. */
export type KeyDelHandler<K = unknown> = (change: KeyChange<K, never>, context: HandlerContext) => unknown;
/** onChangelogEvent: called for each changelog record this worker applies (recovery, standby, global follower). */
export type ChangelogEventHandler<K = unknown, V = unknown> = (event: ChangelogEvent<K, V>, context: HandlerContext) => unknown;

type AnyHook = (payload: never, context: HandlerContext) => unknown;

/** The loaded hooks, by hook name, then by table name. */
export type TableHookHandlers = Readonly<Partial<Record<TableHookName, ReadonlyMap<string, unknown>>>>;

export interface TableHookRunnerOptions {
  readonly handlers: TableHookHandlers;
  readonly log: Logger;
  /** The worker's context parts (built with its service tree, after this). */
  readonly parts: () => TimerContextParts;
  readonly signal: () => AbortSignal;
  readonly onError: (table: string, hook: TableHookName) => void;
}

const keyOf = (hook: TableHookName, table: string): string => `${hook}\u0000${table}`;

export class TableHookRunner implements TableHooks {
  readonly #handlers = new Map<string, AnyHook>();
  readonly #contexts = new Map<string, { readonly log: Logger; readonly context: HandlerContext }>();
  readonly #options: TableHookRunnerOptions;
  /** The key hook calls queued so far, in write order: the last one's end. */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: TableHookRunnerOptions) {
    this.#options = options;
    for (const [hook, byTable] of Object.entries(options.handlers) as [TableHookName, ReadonlyMap<string, unknown>][]) {
      for (const [table, handler] of byTable) this.#handlers.set(keyOf(hook, table), handler as AnyHook);
    }
  }

  has(table: string, hook: TableHookName): boolean {
    return this.#handlers.has(keyOf(hook, table));
  }

  /** Swaps a table's hook; false (nothing changed) when the table names no such hook. */
  replace(hook: TableHookName, table: string, handler: unknown): boolean {
    if (!this.has(table, hook)) return false;
    this.#handlers.set(keyOf(hook, table), handler as AnyHook);
    return true;
  }

  keyChanged(hook: 'onKeySet' | 'onKeyDel', site: HookSite, change: () => KeyChange): void {
    this.#tail = this.#tail.then(() => this.#call(hook, site, change));
  }

  changelogApplied(site: HookSite, event: () => ChangelogEvent): Promise<void> {
    return this.#call('onChangelogEvent', site, event);
  }

  /**
   * Waits for the key hook calls queued so far, at most `timeoutMs`: the worker's stop calls it
   * before its last commit. Resolves with whether they all ran.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const isDrained = await Promise.race([
      this.#tail.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, false);
      }),
    ]);
    clearTimeout(timer);
    if (!isDrained) this.#options.log.warn({ timeoutMs }, 'stopping with table hook calls (onKeySet/onKeyDel) still queued or running: they are not made');
    return isDrained;
  }

  /** Runs one hook call; a failure (of the hook, or of decoding what it gets) is logged and counted. */
  async #call(hook: TableHookName, site: HookSite, payload: () => unknown): Promise<void> {
    const handler = this.#handlers.get(keyOf(hook, site.table));
    if (handler === undefined) return;
    let log = this.#options.log;
    try {
      const made = this.#contextOf(hook, site.table);
      log = made.log;
      await handler(payload() as never, made.context);
    } catch (err) {
      this.#options.onError(site.table, hook);
      log.error({ err, table: site.table, partition: site.partition, key: site.keyText }, `${hook} of table ${site.table} failed for key "${site.keyText}" on partition ${site.partition}; the worker goes on (the ${hook === 'onChangelogEvent' ? 'record stays applied' : 'write stands'})`);
    }
  }

  /** The context of a table's hook: made on its first call (the worker's parts exist by then), then kept. */
  #contextOf(hook: TableHookName, table: string): { readonly log: Logger; readonly context: HandlerContext } {
    const key = keyOf(hook, table);
    let found = this.#contexts.get(key);
    if (found === undefined) {
      const log = this.#options.log.child({ [hook]: table });
      found = { log, context: jobContext(this.#options.parts(), `${hook} ${table}`, log, this.#options.signal()) };
      this.#contexts.set(key, found);
    }
    return found;
  }
}
