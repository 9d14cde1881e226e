// HandlerReloader: an edit to a handler (or a module it imports) delivers new functions to onReload;
// a broken edit is logged with its position and the old handlers keep running; stop ends the watcher.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HandlerBundler, HandlerReloader, handlerKey, type HandlerFunction } from '../../../src/handlers/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { captureLogger, makeAppDir, type AppDir, type LogRecord } from './fixtures.js';

type Agent = (stream: AsyncIterable<{ id: string }>) => AsyncGenerator<string>;

/** Runs an agent handler over one view and returns what it yields. */
async function run(handler: HandlerFunction | undefined): Promise<string[]> {
  assert.ok(handler !== undefined, 'no handler');
  async function* views(): AsyncGenerator<{ id: string }> {
    yield await Promise.resolve({ id: 'a' });
  }
  const out: string[] = [];
  for await (const item of (handler as Agent)(views())) out.push(item);
  return out;
}

interface Reload {
  readonly handlers: ReadonlyMap<string, HandlerFunction>;
  readonly rebuiltKeys: ReadonlySet<string>;
}

describe('HandlerReloader', () => {
  let app: AppDir;
  let bundler: HandlerBundler;
  let reloader: HandlerReloader;
  let records: LogRecord[];
  let reloads: Reload[];
  let key: string;

  beforeEach(async () => {
    app = await makeAppDir();
    bundler = new HandlerBundler({ appRoot: app.root });
    const ref = { file: app.path('page-views.ts'), exportName: 'countPageViews' };
    key = handlerKey(ref);
    await bundler.load([ref, { file: app.path('bare-imports.ts'), exportName: 'describeFile' }]);
    const captured = captureLogger();
    records = captured.records;
    reloads = [];
    reloader = new HandlerReloader({
      logger: captured.logger,
      bundler,
      onReload: (handlers, rebuiltKeys) => {
        reloads.push({ handlers, rebuiltKeys });
      },
      debounceMs: 20,
      writeFinishMs: 20,
    });
    await reloader.start();
  });

  afterEach(async () => {
    await reloader.stop();
    await bundler.dispose();
    await app.remove();
  });

  /** Rewrites a file of the app, replacing `from` with `to`. */
  async function edit(file: string, from: string, to: string): Promise<void> {
    const text = await readFile(app.path(file), 'utf8');
    assert.ok(text.includes(from), `${file} does not contain ${from}`);
    await writeFile(app.path(file), text.replace(from, to));
  }

  /** Waits until a reload delivers a handler for `key` that yields `expected`. */
  function reloadYielding(expected: string[]): Promise<Reload> {
    return waitFor(
      async () => {
        const last = reloads.at(-1);
        return last !== undefined && JSON.stringify(await run(last.handlers.get(key))) === JSON.stringify(expected) && last;
      },
      { timeoutMs: 10_000, message: () => `a reload yielding ${JSON.stringify(expected)} (${reloads.length} reloads so far)` },
    );
  }

  it('watches every source file the handlers were built from', () => {
    assert.deepEqual(reloader.watchedFiles.sort(), [app.path('bare-imports.ts'), app.path('lib', 'label.ts'), app.path('page-views.ts')]);
  });

  it('delivers the new function after a handler is edited, and rebuilds only that module', async () => {
    await edit('page-views.ts', 'yield label(view.id);', 'yield label(view.id).toUpperCase();');
    const reload = await reloadYielding(['PAGE:A']);
    assert.deepEqual([...reload.rebuiltKeys], [key]);
    assert.equal(reload.handlers.size, 2);
  });

  it('rebuilds a handler when a module it imports changes', async () => {
    await edit('lib/label.ts', '`page:${id}`', '`view:${id}`');
    await reloadYielding(['view:a']);
  });

  it('keeps the old handler after a broken edit, logs where it broke, and reloads once fixed', async () => {
    const before = bundler.handlers.get(key);
    await edit('page-views.ts', 'yield label(view.id);', 'yield label(view.id;');
    const failure = await waitFor(() => records.find((record) => record.msg.startsWith('handler rebuild failed')), {
      timeoutMs: 10_000,
      message: 'a log record of the failed rebuild',
    });
    assert.equal(failure.level, 50);
    assert.equal(failure.code, 'STREAMD_HANDLER');
    assert.deepEqual([failure.file, failure.line, failure.column], [app.path('page-views.ts'), 10, 55]);
    assert.match(failure.msg, /page-views\.ts:10:55: Expected "\)" but found ";"/);
    assert.equal(reloads.length, 0);
    assert.equal(bundler.handlers.get(key), before);
    assert.deepEqual(await run(bundler.handlers.get(key)), ['page:a']);

    await edit('page-views.ts', 'yield label(view.id;', 'yield `fixed:${view.id}`;');
    await reloadYielding(['fixed:a']);
  });

  it('stops watching when stopped', async () => {
    const exit = await reloader.stop();
    assert.equal(exit.state, 'stopped');
    assert.equal(reloader.state, 'stopped');
  });
});
