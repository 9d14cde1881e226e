// Supervisor restarts: one_for_one and one_for_all, backoff on the manual clock, the restart
// budget and its window, failed restarts, and stop in the middle of a backoff.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IllegalStateError, ServiceCrashedError } from '../../../src/errors/index.js';
import { ManualClock, Supervisor, SystemClock, type SupervisorOptions } from '../../../src/service/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { Probe, WAIT, captureLogger, latest, probeFactory, untilAborted, type ProbeOptions } from './fixture.js';

function setup(options: Partial<SupervisorOptions> = {}) {
  const { logger, records } = captureLogger();
  const clock = new ManualClock();
  const journal: string[] = [];
  const base: ProbeOptions = { journal, logger };
  const supervisor = new Supervisor({ name: 'agents', logger, strategy: 'one_for_one', clock, ...options });
  const sleeping = (count = 1) =>
    waitFor(() => clock.pendingSleeps === count, { ...WAIT, message: `${count} backoff sleep(s) to begin` });
  return { supervisor, clock, journal, base, records, sleeping, logger };
}

function running(made: readonly Probe[], count: number): Promise<true> {
  return waitFor(() => made.length === count && latest(made).state === 'running', {
    ...WAIT,
    message: `instance ${count} to run`,
  });
}

void describe('Supervisor', () => {
  void it('one_for_one restarts only the crashed child with backoff', async () => {
    const { supervisor, clock, journal, base, sleeping } = setup();
    const a = probeFactory('a', base);
    const b = probeFactory('b', base);
    supervisor.supervise(a.create, 'independent actor');
    supervisor.supervise(b.create);
    await supervisor.start();
    journal.length = 0;

    latest(b.made).crash(new Error('handler blew up'));
    await sleeping();
    await clock.advance(99);
    assert.equal(b.made.length, 1);
    await clock.advance(1);
    await running(b.made, 2);
    assert.deepEqual(journal, ['stop b', 'start b']);
    assert.equal(a.made.length, 1);
    assert.equal(latest(a.made).state, 'running');
    assert.equal(supervisor.children[1]?.service, latest(b.made));

    latest(b.made).crash(new Error('handler blew up again'));
    await sleeping();
    await clock.advance(199);
    assert.equal(b.made.length, 2);
    await clock.advance(1);
    await running(b.made, 3);
    await supervisor.stop();
    assert.equal(latest(b.made).state, 'stopped');
  });

  void it('one_for_all restarts every child in order', async () => {
    const { supervisor, clock, journal, base, sleeping } = setup({ strategy: 'one_for_all' });
    const factories = ['consumer', 'conductor', 'agents'].map((name) => probeFactory(name, base));
    for (const { create } of factories) supervisor.supervise(create);
    await supervisor.start();
    journal.length = 0;

    latest(factories[1]!.made).crash(new Error('conductor lost its routes'));
    await sleeping();
    assert.deepEqual(journal, ['stop conductor', 'stop agents', 'stop consumer']);
    await clock.advance(100);
    await running(factories[2]!.made, 2);
    assert.deepEqual(journal.slice(3), ['start consumer', 'start conductor', 'start agents']);
    assert.deepEqual(
      supervisor.children.map(({ service }) => service),
      factories.map(({ made }) => latest(made)),
    );
    await supervisor.stop();
  });

  void it('a crashed spawn loop crashes the service into its supervisor, which restarts it', async () => {
    const { supervisor, clock, base, sleeping } = setup();
    const actor = probeFactory('actor', base);
    supervisor.supervise(actor.create);
    await supervisor.start();
    latest(actor.made).run('handler', () => Promise.reject(new Error('poison message')));
    await sleeping();
    assert.equal(actor.made[0]?.state, 'crashed');
    await clock.advance(100);
    await running(actor.made, 2);
    await supervisor.stop();
  });

  void it('exhausting the restart budget crashes the supervisor', async () => {
    const { supervisor, clock, journal, base, logger, sleeping } = setup({ maxRestarts: 2, initialBackoffMs: 10 });
    const root = new Probe('worker', { journal, logger });
    root.addChild(supervisor, 'restarts actors');
    const actor = probeFactory('actor', base);
    const other = probeFactory('other', base);
    supervisor.supervise(actor.create);
    supervisor.supervise(other.create);
    await root.start();

    for (const [restart, backoffMs] of [[1, 10], [2, 20]] as const) {
      latest(actor.made).crash(new Error(`crash ${restart}`));
      await sleeping();
      await clock.advance(backoffMs);
      await running(actor.made, restart + 1);
    }
    journal.length = 0;
    const last = new Error('crash 3');
    latest(actor.made).crash(last);

    const exit = await root.whenStopped();
    assert.equal(exit.state, 'crashed');
    const error = exit.state === 'crashed' ? exit.error : undefined;
    assert.ok(error instanceof ServiceCrashedError);
    assert.equal(error.service, 'agents');
    assert.equal(error.cause, last);
    assert.match(error.message, /gave up after 2 restarts within 60000 ms: child 'actor' crashed again: crash 3/);
    assert.equal(supervisor.state, 'crashed');
    assert.deepEqual(journal, ['stop actor', 'stop other', 'stop worker']);
  });

  void it('restarts older than the window do not count against the budget', async () => {
    const { supervisor, clock, base, sleeping } = setup({ maxRestarts: 1, windowMs: 1_000 });
    const actor = probeFactory('actor', base);
    supervisor.supervise(actor.create);
    await supervisor.start();
    latest(actor.made).crash(new Error('first'));
    await sleeping();
    await clock.advance(100);
    await running(actor.made, 2);
    await clock.advance(1_000);
    latest(actor.made).crash(new Error('second, a window later'));
    await sleeping();
    await clock.advance(100);
    await running(actor.made, 3);
    assert.equal(supervisor.state, 'running');
    await supervisor.stop();
  });

  void it('a restart that fails to start counts as another crash', async () => {
    const { supervisor, clock, base, sleeping } = setup();
    const actor = probeFactory('actor', base, (index) =>
      index === 1 ? { failStart: new Error('store locked') } : {},
    );
    supervisor.supervise(actor.create);
    await supervisor.start();
    latest(actor.made).crash(new Error('crash'));
    await sleeping();
    await clock.advance(100);
    await waitFor(() => actor.made.length === 2 && clock.pendingSleeps === 1, { ...WAIT, message: 'a second backoff' });
    assert.equal(actor.made[1]?.state, 'crashed');
    await clock.advance(199);
    assert.equal(actor.made.length, 2);
    await clock.advance(1);
    await running(actor.made, 3);
    await supervisor.stop();
  });

  void it('stop during backoff returns promptly', async () => {
    const { supervisor, clock, base, sleeping } = setup({ initialBackoffMs: 3_600_000 });
    const actor = probeFactory('actor', base);
    supervisor.supervise(actor.create);
    await supervisor.start();
    latest(actor.made).crash(new Error('crash'));
    await sleeping();
    const exit = await supervisor.stop();
    assert.deepEqual(exit, { state: 'stopped', cleanupErrors: [] });
    assert.equal(clock.pendingSleeps, 0);
    assert.equal(actor.made.length, 1);
  });

  void it('stop during a system-clock backoff cancels the timer', { timeout: 5_000 }, async () => {
    const { logger } = captureLogger();
    const supervisor = new Supervisor({
      name: 'agents',
      logger,
      strategy: 'one_for_one',
      clock: new SystemClock(),
      initialBackoffMs: 3_600_000,
    });
    const actor = probeFactory('actor', { journal: [], logger });
    supervisor.supervise(actor.create);
    await supervisor.start();
    latest(actor.made).crash(new Error('crash'));
    await waitFor(() => latest(actor.made).state === 'crashed', { ...WAIT, message: 'the actor to crash' });
    assert.equal((await supervisor.stop()).state, 'stopped');
  });

  void it('a child crash during the supervisor start fails that start', async () => {
    const { supervisor, base } = setup();
    const first = probeFactory('first', base);
    supervisor.supervise(first.create);
    const boom = new Error('first died while second started');
    supervisor.supervise(() =>
      new Probe('second', {
        ...base,
        whileStarting: (signal) => {
          latest(first.made).crash(boom);
          return untilAborted(signal);
        },
      }),
    );
    await assert.rejects(supervisor.start(), (error) => error === boom);
    assert.equal(supervisor.state, 'crashed');
    assert.equal(first.made.length, 1);
  });

  void it('refuses addChild and points to supervise', () => {
    const { supervisor, base } = setup();
    assert.throws(() => supervisor.addChild(new Probe('actor', base)), IllegalStateError);
    assert.throws(() => supervisor.addChild(new Probe('actor', base)), /supervise\(\(\) => new/);
  });
});
