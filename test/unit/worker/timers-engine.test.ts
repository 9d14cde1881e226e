// Timers and start-up tasks in a real worker on the embedded broker: they run once the worker is
// ready, send through the topic senders, read tables outside an event, and stop with the worker.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import type { TimerHandler } from '../../../src/timers/index.js';
import { createWorker } from '../../../src/worker/index.js';
import { countTicks, hello, leaderTick, observed, tick } from '../../fixtures/apps/timers/handlers.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';

void describe('timers in a worker on the embedded broker', () => {
  void it('runs timers and the start-up task once ready, and stops them with the worker', async () => {
    const broker = `memory://${uniqueName('timers')}`;
    const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'timers', 'app.yaml'), { env: { STREAMD_BROKER: broker, APP_ID: uniqueName('timers') } });
    const worker = await createWorker(manifest, {
      logger: pino({ level: 'silent' }),
      metrics: new WorkerMetrics({ withDefaults: false }),
      handlers: new Map([['count_ticks', countTicks as Agent]]),
      timers: new Map<string, TimerHandler>([
        ['tick', tick],
        ['leader_tick', leaderTick],
      ]),
      tasks: new Map<string, TimerHandler>([['hello', hello]]),
    });
    await worker.start();
    try {
      const seen = worker.tables!.runtimes.get('seen')!;
      const counts = async (): Promise<Map<unknown, unknown>> => {
        const out = new Map<unknown, unknown>();
        for await (const [key, value] of seen.entries()) out.set(key, value);
        return out;
      };
      const reached = await waitFor(
        async () => {
          const now = await counts();
          return (now.get('tick') as number) >= 3 && (now.get('leader_tick') as number) >= 1 && now.get('hello') === 1 ? now : undefined;
        },
        { timeoutMs: 20_000, message: 'three ticks, one leader tick and the hello task counted in `seen`' },
      );
      assert.equal(reached.get('hello'), 1, 'the task ran once');
      assert.ok(worker.isLeader, 'the only worker leads');
      assert.ok(observed.reads.length >= 3 && observed.reads.every((n) => n >= 0), 'the timer read the table outside an event');
      assert.ok(observed.writeErrors.length >= 3 && observed.writeErrors.every((code) => code === 'STREAMD_CONFIG'), `writes outside an event are refused: ${observed.writeErrors.join(', ')}`);
    } finally {
      const exit = await worker.stop();
      assert.equal(exit.state, 'stopped');
    }
  });

  void it('refuses to build a worker when a declared timer has no loaded handler', async () => {
    const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'timers', 'app.yaml'), { env: { STREAMD_BROKER: `memory://${uniqueName('timers')}` } });
    await assert.rejects(
      createWorker(manifest, { logger: pino({ level: 'silent' }), metrics: new WorkerMetrics({ withDefaults: false }), handlers: new Map([['count_ticks', countTicks as Agent]]) }),
      (error: { code?: string; message?: string }) => error.code === 'STREAMD_CONFIG' && /timer tick: no handler/.test(error.message ?? ''),
    );
  });
});
