// Start and stop of the Service base: hook and child order, the memoized stop, cleanup that
// survives failures, undoing a failed or interrupted start, state logging and the transition table.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IllegalStateError } from '../../../src/errors/index.js';
import { ManualClock, canTransition } from '../../../src/service/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { Probe, WAIT, captureLogger } from './fixture.js';

function tree(extra: { readonly failStart?: string; readonly failStop?: readonly string[] } = {}) {
  const { logger, records } = captureLogger();
  const journal: string[] = [];
  const probe = (name: string): Probe =>
    new Probe(name, {
      journal,
      logger,
      ...(extra.failStart === name ? { failStart: new Error(`${name} cannot start`) } : {}),
      ...(extra.failStop?.includes(name) === true ? { failStop: new Error(`${name} cannot stop`) } : {}),
    });
  const root = probe('root');
  const a = root.addChild(probe('a'), 'first up, last down');
  const b = root.addChild(probe('b'));
  const c = root.addChild(probe('c'));
  return { root, a, b, c, journal, records };
}

void describe('Service lifecycle', () => {
  void it('runs its own onStart first, then starts children in order', async () => {
    const { root, a, journal } = tree();
    await root.start();
    assert.deepEqual(journal, ['start root', 'start a', 'start b', 'start c']);
    assert.equal(root.state, 'running');
    assert.equal(a.state, 'running');
    assert.deepEqual(root.children.map(({ service, why }) => [service.name, why]), [
      ['a', 'first up, last down'],
      ['b', undefined],
      ['c', undefined],
    ]);
    await root.stop();
  });

  void it('stops children in reverse order of start, after its own onStop', async () => {
    const { root, a, c, journal } = tree();
    await root.start();
    journal.length = 0;
    const exit = await root.stop();
    assert.deepEqual(journal, ['stop root', 'stop c', 'stop b', 'stop a']);
    assert.deepEqual(exit, { state: 'stopped', cleanupErrors: [] });
    assert.equal(a.state, 'stopped');
    assert.equal(c.state, 'stopped');
  });

  void it('a concurrent stop shares one promise', async () => {
    const { root, journal } = tree();
    await root.start();
    const first = root.stop();
    const second = root.stop();
    assert.equal(first, second);
    assert.equal(root.whenStopped(), first);
    await first;
    assert.equal(root.stop(), first);
    assert.equal(journal.filter((entry) => entry === 'stop root').length, 1);
  });

  void it('aborts its signal when stopping begins, before onStop runs', async () => {
    const { root } = tree();
    await root.start();
    assert.equal(root.signal.aborted, false);
    const stopped = root.stop();
    assert.equal(root.signal.aborted, true);
    await stopped;
    assert.equal(root.sawAbortedSignalOnStop, true);
  });

  void it('stop before start goes straight to stopped without running hooks', async () => {
    const { root, journal } = tree();
    const exit = await root.stop();
    assert.equal(exit.state, 'stopped');
    assert.equal(root.state, 'stopped');
    assert.deepEqual(journal, []);
  });

  void it('a failing cleanup step does not skip the rest', async () => {
    const { root, a, b, journal, records } = tree({ failStop: ['root', 'b'] });
    await root.start();
    journal.length = 0;
    const exit = await root.stop();
    assert.deepEqual(journal, ['stop root', 'stop c', 'stop b', 'stop a']);
    assert.equal(exit.state, 'stopped');
    assert.deepEqual(
      exit.cleanupErrors.map((error) => (error as Error).message),
      ['root cannot stop', 'b cannot stop'],
    );
    assert.equal(a.state, 'stopped');
    assert.equal(b.state, 'stopped');
    assert.equal(records.filter((record) => record.msg === 'cleanup step failed').length, 2);
  });

  void it('start failure stops what already started', async () => {
    const { root, a, b, c, journal } = tree({ failStart: 'b' });
    await assert.rejects(root.start(), { message: 'b cannot start' });
    assert.deepEqual(journal, ['start root', 'start a', 'start b', 'stop root', 'stop a']);
    assert.equal(a.state, 'stopped');
    assert.equal(b.state, 'crashed');
    assert.equal(c.state, 'stopped');
    const exit = await root.whenStopped();
    assert.equal(exit.state, 'crashed');
    assert.equal(exit.state === 'crashed' ? (exit.error as Error).message : '', 'b cannot start');
  });

  void it('stop during start interrupts the pending wait and ends stopped', async () => {
    const { logger } = captureLogger();
    const clock = new ManualClock();
    const journal: string[] = [];
    const root = new Probe('root', { journal, logger });
    const slow = root.addChild(
      new Probe('table-recovery', { journal, logger, whileStarting: (signal) => clock.sleep(3_600_000, signal) }),
    );
    const starting = root.start();
    await waitFor(() => clock.pendingSleeps === 1, { ...WAIT, message: 'table-recovery to begin its wait' });
    const exit = await root.stop();
    await assert.rejects(starting, { name: 'AbortError' });
    assert.deepEqual(exit, { state: 'stopped', cleanupErrors: [] });
    assert.equal(slow.state, 'stopped');
    assert.equal(clock.pendingSleeps, 0);
    assert.deepEqual(journal, ['start root', 'start table-recovery', 'stop root']);
  });

  void it('logs every state change as service, from and to', async () => {
    const { root, records } = tree();
    await root.start();
    await root.stop();
    const changes = records
      .filter((record) => record.msg === 'service state changed' && record.service === 'root')
      .map(({ from, to }) => `${from} -> ${to}`);
    assert.deepEqual(changes, ['idle -> starting', 'starting -> running', 'running -> stopping', 'stopping -> stopped']);
  });

  void it('illegal transitions throw', async () => {
    const { root, a } = tree();
    assert.throws(() => root.crash(new Error('too early')), IllegalStateError);
    await root.start();
    await assert.rejects(root.start(), { code: 'STREAMD_ILLEGAL_STATE' });
    assert.throws(() => root.addChild(new Probe('late', { journal: [], logger: captureLogger().logger })), IllegalStateError);
    assert.throws(() => root.addChild(a), IllegalStateError);
    await root.stop();
    await assert.rejects(root.start(), IllegalStateError);
    assert.throws(() => root.run('late-loop', () => Promise.resolve()), IllegalStateError);
    assert.equal(canTransition('stopped', 'starting'), false);
    assert.equal(canTransition('crashed', 'running'), false);
    assert.equal(canTransition('running', 'stopping'), true);
  });
});
