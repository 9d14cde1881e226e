// Crashes of the Service base: failed background loops, crash propagation to the parent, the crash
// listener, and aborts during stop that are not failures.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ServiceCrashedError, hasCode } from '../../../src/errors/index.js';
import { ManualClock } from '../../../src/service/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { Probe, WAIT, captureLogger } from './fixture.js';

function family() {
  const { logger, records } = captureLogger();
  const journal: string[] = [];
  const root = new Probe('worker', { journal, logger });
  const a = root.addChild(new Probe('a', { journal, logger }));
  const b = root.addChild(new Probe('b', { journal, logger }));
  return { root, a, b, journal, records };
}

void describe('Service crashes', () => {
  void it('a crashed spawn loop crashes the service into its parent', async () => {
    const { root, a, b, journal } = family();
    await root.start();
    journal.length = 0;
    const boom = new Error('fetch request failed');
    b.run('fetch', () => Promise.reject(boom));
    const exit = await root.whenStopped();
    assert.equal(exit.state, 'crashed');
    const error = exit.state === 'crashed' ? exit.error : undefined;
    assert.ok(error instanceof ServiceCrashedError);
    assert.ok(hasCode(error, 'STREAMD_SERVICE_CRASHED'));
    assert.equal(error.service, 'b');
    assert.equal(error.cause, boom);
    assert.match(error.message, /loop 'fetch' of service 'b' failed: fetch request failed/);
    assert.deepEqual(journal, ['stop b', 'stop worker', 'stop a']);
    assert.equal(a.state, 'stopped');
    assert.equal(b.state, 'crashed');
    assert.equal(root.state, 'crashed');
  });

  void it('crash stops children and tells the crash listener once, after cleanup', async () => {
    const { root, a, b, journal } = family();
    const told: { readonly error: unknown; readonly state: string; readonly journal: string[] }[] = [];
    root.onCrash((error) => told.push({ error, state: root.state, journal: [...journal] }));
    await root.start();
    journal.length = 0;
    const boom = new Error('producer fenced');
    root.crash(boom);
    root.crash(new Error('a second crash while stopping'));
    const exit = await root.whenStopped();
    assert.equal(told.length, 1);
    assert.equal(told[0]?.error, boom);
    assert.equal(told[0]?.state, 'crashed');
    assert.deepEqual(told[0]?.journal, ['stop worker', 'stop b', 'stop a']);
    assert.equal(a.state, 'stopped');
    assert.equal(b.state, 'stopped');
    assert.equal(exit.state === 'crashed' ? exit.error : undefined, boom);
    assert.deepEqual(exit.cleanupErrors.map((error) => (error as Error).message), ['a second crash while stopping']);
  });

  void it('a start failure rejects start() and is not told to the crash listener', async () => {
    const { logger } = captureLogger();
    const root = new Probe('worker', { journal: [], logger, failStart: new Error('no datadir') });
    let told = 0;
    root.onCrash(() => told++);
    await assert.rejects(root.start(), { message: 'no datadir' });
    assert.equal((await root.whenStopped()).state, 'crashed');
    assert.equal(told, 0);
  });

  void it('a loop that fails during start fails the start and still runs onStop', async () => {
    const { logger } = captureLogger();
    const journal: string[] = [];
    const boom = new Error('changelog unreadable');
    const worker: Probe = new Probe('worker', {
      journal,
      logger,
      whileStarting: async (signal) => {
        worker.run('restore', () => Promise.reject(boom));
        await once(signal, 'abort');
      },
    });
    const child = worker.addChild(new Probe('child', { journal, logger }));
    await assert.rejects(worker.start(), (error) => error instanceof ServiceCrashedError && error.cause === boom);
    assert.deepEqual(journal, ['start worker', 'stop worker']);
    assert.equal(child.state, 'stopped');
    assert.equal(worker.state, 'crashed');
  });

  void it('a loop that ends by abort during stop is not a failure', async () => {
    const { root, a, records } = family();
    const clock = new ManualClock();
    await root.start();
    a.run('poll', (signal) => clock.sleep(3_600_000, signal));
    a.run('listen', async (signal) => {
      await once(new EventTarget(), 'never', { signal });
    });
    await waitFor(() => clock.pendingSleeps === 1, { ...WAIT, message: 'the poll loop to sleep' });
    const exit = await root.stop();
    assert.deepEqual(exit, { state: 'stopped', cleanupErrors: [] });
    assert.equal(records.filter((record) => record.level >= 50).length, 0);
  });

  void it('a loop that fails during stop is a cleanup error, not a crash', async () => {
    const { root, a } = family();
    await root.start();
    const flushFailed = new Error('flush failed');
    a.run('flush', async (signal) => {
      await once(signal, 'abort');
      throw flushFailed;
    });
    const exit = await root.stop();
    assert.equal(exit.state, 'stopped');
    assert.equal(a.state, 'stopped');
    assert.equal(exit.cleanupErrors.length, 1);
    assert.equal((exit.cleanupErrors[0] as Error).cause, flushFailed);
  });
});
