// Hot reload of timer and view handlers through `streamd start`: editing their module while the
// daemon runs makes the timer's next firing and the view's next request use the new code.

import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { repoPath } from '../kafka/repo-root.js';
import { Daemon } from './helpers/daemon.js';

const dir = repoPath('.streamd', 'test-tmp', uniqueName('hot-reload-scheduled'));
const MANIFEST = [
  'id: hot-reload-scheduled',
  'broker: memory://',
  'store: memory://',
  'timers:',
  '  tick: { interval: 50ms, handler: ./handlers.ts#tick }',
  'views:',
  '  - { method: GET, path: /version, handler: ./handlers.ts#version }',
  '',
].join('\n');
const handlers = (version: string): string =>
  [
    "import type { HandlerContext, View } from 'streamd';",
    `export function tick({ log }: HandlerContext): void { log.info({ version: '${version}' }, 'ticked'); }`,
    `export const version: View = () => ({ version: '${version}' });`,
    '',
  ].join('\n');

async function versionOf(daemon: Daemon): Promise<unknown> {
  const response = await fetch(`${daemon.url}/version`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { version: unknown }).version;
}

const ticked = (daemon: Daemon, version: string): boolean => daemon.logs().some((l) => l['msg'] === 'ticked' && l['version'] === version);

describe('streamd start with hot reload of timers and views', () => {
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fires the edited timer handler and answers with the edited view handler', { timeout: 60_000 }, async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'app.yaml'), MANIFEST);
    await writeFile(join(dir, 'handlers.ts'), handlers('v1'));
    const daemon = await Daemon.start({ manifest: join(dir, 'app.yaml') });
    try {
      await waitFor(() => ticked(daemon, 'v1'), { timeoutMs: 10_000, message: 'the timer ticks with v1' });
      assert.equal(await versionOf(daemon), 'v1');

      await writeFile(join(dir, 'handlers.ts'), handlers('v2'));
      await waitFor(() => ticked(daemon, 'v2'), { timeoutMs: 20_000, message: 'the timer ticks with v2 after the edit' });
      assert.equal(await versionOf(daemon), 'v2');
      const reloaded = daemon.logs().filter((l) => l['msg'] === 'handler reloaded');
      assert.ok(reloaded.some((l) => l['timer'] === 'tick'), 'the timer reload is logged');
      assert.ok(reloaded.some((l) => l['view'] === 'GET /version'), 'the view reload is logged');
      assert.deepEqual(await daemon.terminate(), { code: 0, signal: null });
    } finally {
      await daemon.kill9();
    }
  });
});
