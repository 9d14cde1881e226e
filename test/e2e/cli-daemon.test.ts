// `streamd start` and `streamd send` as a user runs them, on the embedded broker: the daemon serves
// its probes, takes messages from `send` (argument or stdin, topic or @agent), and exits 0 on SIGTERM.

import assert from 'node:assert/strict';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StreamdProcess, runStreamd } from '../fixtures/cli/cli-process.js';
import { findFreePorts } from '../kafka/free-ports.js';
import { waitFor } from '../helpers/wait-for.js';

const APP = join('test', 'fixtures', 'cli', 'app.yaml');

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('streamd start and send', { timeout: 120_000 }, () => {
  it('says no daemon is running, with the start command, when nothing answers (exit 1)', async () => {
    const [port] = await findFreePorts(1);
    const run = await runStreamd(['send', 'page_views', '{"id": "a", "user": "b"}', '--manifest', APP, '--web-port', String(port)]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, `streamd: no streamd is running on port ${port}; start one with streamd start --manifest ${APP}\n`);
  });

  it('runs the daemon, takes messages from send, and exits 0 on SIGTERM', async () => {
    const [port] = await findFreePorts(1);
    const web = `http://127.0.0.1:${port}`;
    const daemon = new StreamdProcess(['start', '--manifest', APP, '--web-port', String(port!), '--log-level', 'info']);
    try {
      await waitFor(async () => daemon.isRunning && (await status(`${web}/ready`).catch(() => 0)) === 200, {
        timeoutMs: 30_000,
        message: () => `the daemon to be ready on ${web}\n${daemon.output}`,
      });
      assert.equal(await status(`${web}/health`), 200);

      const sent = await runStreamd(['send', 'page_views', '{"id": "home", "user": "ada"}', '--key', 'home', '--manifest', APP, '--web-port', String(port)]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^sent to page_views partition [01] offset \d+\n$/);

      const piped = await runStreamd(['send', '@count_page_views', '--json', '--manifest', APP, '--web-port', String(port)], { input: '{"id": "about", "user": "bob"}\n' });
      assert.equal(piped.code, 0, piped.stderr);
      const landed = JSON.parse(piped.stdout) as { topic: string; partition: number; offset: string };
      assert.equal(landed.topic, 'page_views');
      assert.match(landed.offset, /^\d+$/);

      const rejected = await runStreamd(['send', 'page_views', '{"id": "x"}', '--manifest', APP, '--web-port', String(port)]);
      assert.equal(rejected.code, 2);
      assert.match(rejected.stderr, /refused the message: .*PageView/);

      const unknown = await runStreamd(['send', 'nope', '1', '--manifest', APP, '--web-port', String(port)]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /nope/);

      daemon.child.kill('SIGTERM');
      const exit = await daemon.waitForExit(20_000);
      assert.equal(exit.code, 0, daemon.output);
      assert.doesNotMatch(exit.stderr, / {4}at /);
      assert.match(exit.stderr, /"msg":"streamd stopped"/);
    } finally {
      await daemon.stop();
    }
  });
});
