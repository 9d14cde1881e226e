// TableHookRunner: key hooks run one at a time in write order, async ones too; a hook that throws
// (or whose payload fails to decode) is logged with table, partition and key, counted, and the next
// call runs; onChangelogEvent resolves when its hook has; drain waits for queued calls; hot reload
// swaps a hook only where the table names one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { KeyChange } from '../../../src/tables/index.js';
import { TableHookRunner, type TableHookHandlers } from '../../../src/worker/table-hook-runner.js';
import { captureLogger } from '../stores/fixture.js';

const parts = { topics: {}, agents: {}, tables: () => ({}), isLeader: () => true };

function runner(handlers: TableHookHandlers, logger = pino({ level: 'silent' })): { runner: TableHookRunner; errors: string[] } {
  const errors: string[] = [];
  const made = new TableHookRunner({ handlers, log: logger, parts: () => parts, signal: () => new AbortController().signal, onError: (table, hook) => errors.push(`${hook} ${table}`) });
  return { runner: made, errors };
}

const site = (key: string, partition = 0): { table: string; partition: number; keyText: string } => ({ table: 'counts', partition, keyText: key });
const change = (key: string, value: unknown, partition = 0): (() => KeyChange) => () => ({ table: 'counts', key, value, partition });

describe('TableHookRunner', () => {
  it('runs key hooks one at a time in write order, an async hook finishing before the next starts', async () => {
    const seen: string[] = [];
    let running = 0;
    const onKeySet = async ({ key, value }: KeyChange): Promise<void> => {
      running += 1;
      assert.equal(running, 1, 'one call at a time');
      // Later keys resolve sooner: only the queue keeps them in order.
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      seen.push(`${String(key)}=${String(value)}`);
      running -= 1;
    };
    const onKeyDel = ({ key, value }: KeyChange): void => {
      seen.push(`del ${String(key)} ${String(value)}`);
    };
    const { runner: hooks } = runner({ onKeySet: new Map([['counts', onKeySet]]), onKeyDel: new Map([['counts', onKeyDel]]) });
    assert.equal(hooks.has('counts', 'onKeySet'), true);
    assert.equal(hooks.has('counts', 'onChangelogEvent'), false);
    assert.equal(hooks.has('other', 'onKeySet'), false);
    for (let i = 0; i < 5; i++) hooks.keyChanged('onKeySet', site(`k${i}`), change(`k${i}`, i));
    hooks.keyChanged('onKeyDel', site('k0'), change('k0', null));
    assert.deepEqual(seen, [], 'nothing runs in the writer\'s turn');
    assert.equal(await hooks.drain(5000), true);
    assert.deepEqual(seen, ['k0=0', 'k1=1', 'k2=2', 'k3=3', 'k4=4', 'del k0 null']);
  });

  it('logs a failing hook with table, partition and key, counts it, and runs the next call', async () => {
    const { logger, records } = captureLogger();
    const seen: unknown[] = [];
    const onKeySet = (c: KeyChange): void => {
      if (c.key === 'bad') throw new Error('hook broke');
      seen.push(c.key);
    };
    const { runner: hooks, errors } = runner({ onKeySet: new Map([['counts', onKeySet]]) }, logger);
    hooks.keyChanged('onKeySet', site('a'), change('a', 1));
    hooks.keyChanged('onKeySet', site('bad', 3), change('bad', 2, 3));
    hooks.keyChanged('onKeySet', site('undecodable', 1), () => {
      throw new SyntaxError('Unexpected token');
    });
    hooks.keyChanged('onKeySet', site('b'), change('b', 3));
    assert.equal(await hooks.drain(5000), true);
    assert.deepEqual(seen, ['a', 'b']);
    assert.deepEqual(errors, ['onKeySet counts', 'onKeySet counts']);
    const failures = records.filter((r) => r.level === 50);
    assert.equal(failures.length, 2);
    assert.deepEqual(failures.map((r) => [r['table'], r['partition'], r['key']]), [['counts', 3, 'bad'], ['counts', 1, 'undecodable']]);
    assert.match(failures[0]!.msg, /^onKeySet of table counts failed for key "bad" on partition 3; the worker goes on \(the write stands\)$/);
  });

  it('resolves onChangelogEvent when its hook has, with the record, and never rejects', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const onChangelogEvent = async (event: { key: unknown; value: unknown; offset: bigint }): Promise<void> => {
      await gate;
      if (event.key === 'bad') throw new Error('nope');
      events.push(`${String(event.key)}@${event.offset}`);
    };
    const { runner: hooks, errors } = runner({ onChangelogEvent: new Map([['counts', onChangelogEvent]]) });
    let isDone = false;
    const call = hooks.changelogApplied(site('a'), () => ({ table: 'counts', key: 'a', value: 1, partition: 0, offset: 7n })).then(() => {
      isDone = true;
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(isDone, false, 'waits for the hook');
    release();
    await call;
    await hooks.changelogApplied(site('bad'), () => ({ table: 'counts', key: 'bad', value: null, partition: 0, offset: 8n }));
    assert.deepEqual(events, ['a@7']);
    assert.deepEqual(errors, ['onChangelogEvent counts']);
  });

  it('gives up waiting in drain after the timeout, and says so', async () => {
    const { logger, records } = captureLogger();
    const { runner: hooks } = runner({ onKeyDel: new Map([['counts', () => new Promise<never>(() => undefined)]]) }, logger);
    hooks.keyChanged('onKeyDel', site('a'), change('a', null));
    assert.equal(await hooks.drain(20), false);
    assert.ok(records.some((r) => r.level === 40 && /table hook calls .* still queued/.test(r.msg)));
  });

  it('swaps a reloaded hook, and ignores one for a table that names none', async () => {
    const seen: string[] = [];
    const { runner: hooks } = runner({ onKeySet: new Map([['counts', () => seen.push('old')]]) });
    assert.equal(hooks.replace('onKeySet', 'counts', () => seen.push('new')), true);
    assert.equal(hooks.replace('onKeySet', 'other', () => seen.push('other')), false);
    assert.equal(hooks.replace('onKeyDel', 'counts', () => seen.push('del')), false);
    hooks.keyChanged('onKeySet', site('a'), change('a', 1));
    await hooks.drain(5000);
    assert.deepEqual(seen, ['new']);
  });
});
