// The restart budget on its own: exponential backoff with a cap, the sliding window, bad policies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/index.js';
import { DEFAULT_RESTART_POLICY, RestartBudget } from '../../../src/service/index.js';

void describe('RestartBudget', () => {
  void it('doubles the backoff per restart in the window, up to the cap', () => {
    const budget = new RestartBudget({ maxRestarts: 10, windowMs: 60_000, initialBackoffMs: 100, maxBackoffMs: 1_000 });
    const backoffs = Array.from({ length: 6 }, (_, index) => budget.tryRestart(index));
    assert.deepEqual(backoffs, [100, 200, 400, 800, 1_000, 1_000]);
  });

  void it('refuses a restart once the window holds maxRestarts', () => {
    const budget = new RestartBudget(DEFAULT_RESTART_POLICY);
    for (let restart = 0; restart < 5; restart++) assert.notEqual(budget.tryRestart(restart * 1_000), undefined);
    assert.equal(budget.tryRestart(59_000), undefined);
    assert.equal(budget.restartsWithin(59_000), 5);
  });

  void it('forgets restarts that left the window, which also resets the backoff', () => {
    const budget = new RestartBudget({ maxRestarts: 2, windowMs: 1_000, initialBackoffMs: 100, maxBackoffMs: 10_000 });
    assert.equal(budget.tryRestart(0), 100);
    assert.equal(budget.tryRestart(500), 200);
    assert.equal(budget.tryRestart(999), undefined);
    assert.equal(budget.tryRestart(1_000), 200);
    assert.equal(budget.tryRestart(1_600), 200);
    assert.equal(budget.tryRestart(2_601), 100);
  });

  void it('never restarts with maxRestarts 0', () => {
    const budget = new RestartBudget({ ...DEFAULT_RESTART_POLICY, maxRestarts: 0 });
    assert.equal(budget.tryRestart(0), undefined);
  });

  void it('rejects a negative or fractional policy value naming the field', () => {
    assert.throws(() => new RestartBudget({ ...DEFAULT_RESTART_POLICY, windowMs: -1 }), ConfigError);
    assert.throws(() => new RestartBudget({ ...DEFAULT_RESTART_POLICY, maxRestarts: 1.5 }), /maxRestarts/);
  });
});
