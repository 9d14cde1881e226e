// brokerUnavailableTimeoutMs as a user meets it: a worker whose broker does not answer waits for it
// (/health 200, /ready 503 meanwhile) and, once the setting's time has passed, exits 1 with one
// log line that names the setting and the last error, so an orchestrator can act.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findFreePorts } from '../kafka/free-ports.js';
import { repoPath } from '../kafka/repo-root.js';
import { waitFor } from '../helpers/wait-for.js';
import { Daemon } from './helpers/daemon.js';

const MANIFEST = repoPath('test', 'fixtures', 'apps', 'e2e', 'app.yaml');

describe('a worker whose broker never answers', () => {
  it('exits 1 after brokerUnavailableTimeoutMs with one line naming the setting and the last error', { timeout: 120_000 }, async () => {
    // A port nothing listens on: every connect is refused.
    const [port] = await findFreePorts(1);
    const timeoutMs = 2000;
    const startedAt = Date.now();
    const daemon = await Daemon.start({
      manifest: MANIFEST,
      waitReady: false,
      env: { APP_ID: 'broker-unavailable', STREAMD_BROKER: `kafka://127.0.0.1:${port}`, STREAMD_BROKER_UNAVAILABLE_TIMEOUT_MS: String(timeoutMs) },
    });
    try {
      // While it waits: alive for the orchestrator, not ready.
      await waitFor(async () => (await fetch(`${daemon.url}/health`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, message: () => `/health to answer 200:\n${daemon.tail()}` });
      assert.equal((await fetch(`${daemon.url}/ready`)).status, 503);
      const exit = await daemon.exited;
      const tookMs = Date.now() - startedAt;
      assert.deepEqual(exit, { code: 1, signal: null }, daemon.tail());
      // A start that never reached the broker ends as a failed start: the CLI's last line says why.
      const last = daemon.output.at(-1) ?? '';
      assert.match(last, new RegExp(`^streamd: the broker has been unavailable to the topic setup for \\d+ s, longer than brokerUnavailableTimeoutMs \\(${timeoutMs} ms\\); last error: .*ECONNREFUSED`), daemon.tail());
      const message = last;
      console.log(`with brokerUnavailableTimeoutMs ${timeoutMs} ms and no broker, the worker exited 1 after ${tookMs} ms: ${message}`);
      assert.ok(daemon.logs().some((line) => line['msg'] === 'the broker is unavailable: waiting for it (not ready meanwhile)'), 'it waited for the broker first');
    } finally {
      await daemon.kill9();
    }
  });
});
