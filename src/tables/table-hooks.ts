// The table hooks port (Faust's on_key_set, on_key_del, on_changelog_event): what a table tells the
// worker's hook handlers after a handler's write is accepted and after a changelog record is applied.
// The tables decode (they own the codecs); the worker runs the user code (worker/table-hook-runner.ts).

import type { TableHookName } from '../manifest/index.js';

/** What onKeySet and onKeyDel get: a key a handler set (or deleted: value null) on this worker. */
export interface KeyChange<K = unknown, V = unknown> {
  readonly table: string;
  readonly key: K;
  /** The value as a read returns it (a Set for a set table); null when the key was deleted. */
  readonly value: V | null;
  readonly partition: number;
}

/** What onChangelogEvent gets: one changelog record this worker applied to its store. */
export interface ChangelogEvent<K = unknown, V = unknown> {
  readonly table: string;
  readonly key: K;
  /** The value the record carries (a Set for a set table); null for a tombstone (a delete). */
  readonly value: V | null;
  readonly partition: number;
  /** The record's offset in the changelog partition. */
  readonly offset: bigint;
}

/** Where in a table a hook call is about, for its failure log: the key as text when it decodes as such. */
export interface HookSite {
  readonly table: string;
  readonly partition: number;
  readonly keyText: string;
}

export interface TableHooks {
  /** Whether `table` names `hook`: nothing is decoded for a table without. */
  has(table: string, hook: TableHookName): boolean;
  /**
   * A handler's write was accepted: runs the hook later, in write order, with what `change()`
   * decodes. Never throws (a failing hook, or decode, is logged and counted).
   */
  keyChanged(hook: 'onKeySet' | 'onKeyDel', site: HookSite, change: () => KeyChange): void;
  /** A changelog record was applied: runs onChangelogEvent and resolves when it has; never rejects. */
  changelogApplied(site: HookSite, event: () => ChangelogEvent): Promise<void>;
}
