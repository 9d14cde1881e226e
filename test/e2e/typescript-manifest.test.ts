// The orders example as a TypeScript manifest (manifests/orders/app.ts), run through the built CLI as a
// user would: `check` prints its agents, and `start` serves it on the embedded broker, runs the inline
// `score` agent and the module `process_orders` agent on a posted order, and exits 0 on SIGTERM.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StreamdProcess, runStreamd } from '../fixtures/cli/cli-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { findFreePorts } from '../kafka/free-ports.js';

const APP = join('manifests', 'orders', 'app.ts');

function call(method: string, url: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent: false, headers: payload === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('a TypeScript manifest through the streamd CLI', { timeout: 120_000 }, () => {
  it('checks manifests/orders/app.ts: exit 0 and both agents, one inline', async () => {
    const run = await runStreamd(['check', '--manifest', APP]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^manifest {3}manifests\/orders\/app\.ts: valid$/m);
    assert.match(run.stdout, /│ @process_orders │ orders +│ +1 │ scored_orders │ \.\/handlers\/orders\.ts#processOrders +│/);
    assert.match(run.stdout, /│ @score +│ score_requests │ +1 │ - +│ score \(inline function\) +│/);
  });

  it('starts it on the embedded broker, processes a posted order, and exits 0 on SIGTERM', async () => {
    const [port] = await findFreePorts(1);
    const web = `http://127.0.0.1:${port}`;
    const daemon = new StreamdProcess(['start', '--manifest', APP, '--web-port', String(port), '--log-level', 'info'], {
      env: { STREAMD_BROKER: 'memory://', STREAMD_STORE: 'memory://' },
    });
    try {
      await waitFor(async () => daemon.isRunning && (await call('GET', `${web}/ready`).catch(() => ({ status: 0 }))).status === 200, {
        timeoutMs: 30_000,
        message: () => `the daemon to be ready on ${web}\n${daemon.output}`,
      });
      const posted = await call('POST', `${web}/topics/orders/messages`, { key: 'ada', value: { id: 1, user: 'ada', amount: 250 } });
      assert.equal(posted.status, 202, posted.text);
      // process_orders (a module) logs the risk that score (the inline function) answered.
      await waitFor(() => /"order":1,"user":"ada","risk":"medium"/.test(daemon.output), {
        timeoutMs: 20_000,
        message: () => `the order to be scored\n${daemon.output}`,
      });

      daemon.child.kill('SIGTERM');
      const exit = await daemon.waitForExit(20_000);
      assert.equal(exit.code, 0, daemon.output);
      assert.match(exit.stderr, /"msg":"streamd stopped"/);
    } finally {
      await daemon.stop();
    }
  });
});
