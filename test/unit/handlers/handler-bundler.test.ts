// HandlerBundler on good modules: compiled with esbuild into the project, imported, exports picked;
// bare imports resolve from the project; each build has its own output; stack traces show .ts lines.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HandlerBundler, handlerKey, type HandlerRef } from '../../../src/handlers/index.js';
import { makeAppDir, type AppDir } from './fixtures.js';

describe('HandlerBundler', () => {
  let app: AppDir;
  before(async () => {
    app = await makeAppDir();
  });
  after(() => app.remove());

  it('loads an async generator export and runs it, with its relative import bundled in', async () => {
    const bundler = new HandlerBundler({ appRoot: app.root });
    try {
      const ref: HandlerRef = { file: app.path('page-views.ts'), exportName: 'countPageViews' };
      const handlers = await bundler.load([ref]);
      const agent = handlers.get(handlerKey(ref)) as (stream: AsyncIterable<{ id: string }>) => AsyncGenerator<string>;
      async function* views(): AsyncGenerator<{ id: string }> {
        for (const view of [{ id: 'a' }, { id: 'b' }]) yield await Promise.resolve(view);
      }
      const out: string[] = [];
      for await (const item of agent(views())) out.push(item);
      assert.deepEqual(out, ['page:a', 'page:b']);
      assert.deepEqual([...bundler.handlers.keys()], [handlerKey(ref)]);
      assert.deepEqual(bundler.sourceFiles.sort(), [app.path('lib', 'label.ts'), app.path('page-views.ts')]);
    } finally {
      await bundler.dispose();
    }
  });

  it('leaves bare imports external and resolves node: builtins and project packages such as pino', async () => {
    const bundler = new HandlerBundler({ appRoot: app.root });
    try {
      const ref = { file: app.path('bare-imports.ts'), exportName: 'describeFile' };
      const describeFile = (await bundler.load([ref])).get(handlerKey(ref)) as (file: string) => string;
      assert.equal(describeFile('/a/b/c.ts'), 'c.ts logged by pino');
    } finally {
      await bundler.dispose();
    }
  });

  it('builds several modules in one build, each load into a new directory under .streamd/build', async () => {
    const bundler = new HandlerBundler({ appRoot: app.root });
    try {
      const refs = [
        { file: app.path('page-views.ts'), exportName: 'countPageViews' },
        { file: app.path('page-views.ts'), exportName: 'failsAtRuntime' },
        { file: app.path('bare-imports.ts'), exportName: 'describeFile' },
      ];
      const first = await bundler.load(refs);
      assert.equal(first.size, 3);
      assert.equal(bundler.buildDir, join(app.root, '.streamd', 'build'));
      const dirsAfterFirst = await readdir(bundler.buildDir);
      assert.equal(dirsAfterFirst.length, 1);
      assert.deepEqual((await readdir(join(bundler.buildDir, dirsAfterFirst[0] ?? ''))).sort(), ['0-page-views.mjs', '1-bare-imports.mjs']);

      const second = await bundler.load(refs);
      const key = handlerKey(refs[0] ?? assert.fail());
      assert.notEqual(second.get(key), first.get(key), 'a new build must give a new module, not the cached one');
      const dirsAfterSecond = await readdir(bundler.buildDir);
      assert.equal(dirsAfterSecond.length, 1, 'the superseded build directory is removed');
      assert.notEqual(dirsAfterSecond[0], dirsAfterFirst[0]);
    } finally {
      await bundler.dispose();
    }
    assert.deepEqual(await readdir(join(app.root, '.streamd', 'build')), []);
  });

  it('maps stack traces of handler code back to the TypeScript source', async () => {
    const bundler = new HandlerBundler({ appRoot: app.root });
    try {
      const ref = { file: app.path('page-views.ts'), exportName: 'failsAtRuntime' };
      const fails = (await bundler.load([ref])).get(handlerKey(ref)) as () => never;
      await bundler.dispose();
      assert.ok(!existsSync(join(bundler.buildDir)) || (await readdir(bundler.buildDir)).length === 0);
      assert.throws(fails, (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.ok((error.stack ?? '').includes(`(${app.path('page-views.ts')}:16:9)`), error.stack);
        return true;
      });
    } finally {
      await bundler.dispose();
    }
  });

  it('re-picks every export loaded earlier from a module when it is loaded again', async () => {
    const bundler = new HandlerBundler({ appRoot: app.root });
    try {
      const agent = { file: app.path('page-views.ts'), exportName: 'countPageViews' };
      const fails = { file: app.path('page-views.ts'), exportName: 'failsAtRuntime' };
      await bundler.load([agent, fails]);
      const again = await bundler.load([agent]);
      assert.deepEqual([...again.keys()].sort(), [handlerKey(agent), handlerKey(fails)].sort());
      assert.deepEqual(bundler.refsOf(app.path('page-views.ts')).map((ref) => ref.exportName).sort(), ['countPageViews', 'failsAtRuntime']);
    } finally {
      await bundler.dispose();
    }
  });
});
