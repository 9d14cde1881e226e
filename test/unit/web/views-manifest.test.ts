// The page-views example's views, booted from its YAML manifest the way `streamd start` does
// (handlers bundled by load-worker.ts) on the embedded broker with memory stores, served by createWebApp.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { loadCreateWorker } from '../../../src/cli/load-worker.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { call, postMessages, serve } from './fixture.js';

void describe('views of a YAML manifest', () => {
  void it('boots the page-views example and answers its path and query views from the table', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-views-'));
    const env = { STREAMD_BROKER: `memory://${uniqueName('views')}`, STREAMD_STORE: 'memory://', STREAMD_DATADIR: datadir };
    const manifest = await loadManifest(repoPath('manifests', 'page-views', 'app.yaml'), { env });
    const createWorker = await loadCreateWorker();
    const worker = await createWorker(manifest, { logger: pino({ level: 'silent' }) });
    const served = await serve(worker);
    try {
      await worker.start();
      await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker is ready' });
      const views = [{ id: '/a/1', user: 'ada' }, { id: '/a/1', user: 'bob' }, { id: '/a/2', user: 'ada' }, { id: '/b', user: 'ada' }];
      const posted = await postMessages(served.port, 'page_views', { messages: views.map((value) => ({ key: value.user, value })) });
      assert.equal(posted.status, 202, posted.text);

      const one = await waitFor(
        async () => {
          const reply = await call(served.port, 'GET', `/pages/${encodeURIComponent('/a/1')}`);
          return reply.status === 200 && (reply.json as { count: number }).count === 2 ? reply : undefined;
        },
        { timeoutMs: 20_000, message: 'GET /pages/%2Fa%2F1 counts 2 views' },
      );
      assert.deepEqual(one.json, { page: '/a/1', count: 2 });
      const listed = await waitFor(
        async () => {
          const reply = await call(served.port, 'GET', '/pages?prefix=/a&limit=10');
          return (reply.json as { pages?: unknown[] }).pages?.length === 2 ? reply : undefined;
        },
        { timeoutMs: 20_000, message: 'GET /pages?prefix=/a lists two pages' },
      );
      assert.deepEqual(listed.json, { pages: [{ page: '/a/1', count: 2 }, { page: '/a/2', count: 1 }] });
      const limited = await call(served.port, 'GET', '/pages?limit=1');
      assert.deepEqual(limited.json, { pages: [{ page: '/a/1', count: 2 }] });
      const bad = await call(served.port, 'GET', '/pages?limit=zero');
      assert.equal(bad.status, 400);
      assert.equal((bad.json as { code: string }).code, 'PAGE_VIEWS_BAD_QUERY');
      assert.deepEqual((await call(served.port, 'GET', '/pages/never-seen')).json, { page: 'never-seen', count: 0 });
    } finally {
      await served.close();
      const exit = await worker.stop();
      await rm(datadir, { recursive: true, force: true });
      assert.equal(exit.state, 'stopped');
    }
  });
});
