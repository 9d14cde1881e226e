// The boot list: start order top-down, children indented, each with the reason for its position.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, Supervisor, formatBootList } from '../../../src/service/index.js';
import { Probe, captureLogger } from './fixture.js';

void describe('formatBootList', () => {
  void it('prints the start order with the reason for each position', () => {
    const { logger } = captureLogger();
    const journal: string[] = [];
    const worker = new Probe('worker', { journal, logger });
    worker.addChild(new Probe('metrics', { journal, logger }), 'first up, last down');
    const stream = worker.addChild(
      new Supervisor({ name: 'stream', logger, strategy: 'one_for_all', clock: new ManualClock() }),
      'restarts the streams as one',
    );
    stream.supervise(() => new Probe('consumer', { journal, logger }), 'one group member');
    stream.supervise(() => new Probe('conductor', { journal, logger }));
    assert.equal(
      formatBootList(worker),
      [
        'worker (start ↓ / stop ↑)',
        '  metrics               first up, last down',
        '  stream (one_for_all)  restarts the streams as one',
        '    consumer            one group member',
        '    conductor',
      ].join('\n'),
    );
  });
});
