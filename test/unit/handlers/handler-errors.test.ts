// HandlerLoadError for each way a handler fails to load: each points at the right file, line and
// column (the manifest position for reference problems, the source for code problems), with hints.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, hasCode } from '../../../src/errors/index.js';
import { HandlerBundler, HandlerLoadError, handlerKey, type HandlerRef } from '../../../src/handlers/index.js';
import { fixturePath, makeAppDir, type AppDir } from './fixtures.js';

const manifest = fixturePath('app.yaml');

describe('HandlerLoadError', () => {
  let app: AppDir;
  let bundler: HandlerBundler;
  before(async () => {
    app = await makeAppDir();
    bundler = new HandlerBundler({ appRoot: app.root });
  });
  after(async () => {
    await bundler.dispose();
    await app.remove();
  });

  /** Loads refs that must fail and returns the error. */
  async function loadFailure(refs: HandlerRef[]): Promise<HandlerLoadError> {
    const error = await bundler.load(refs).then(
      () => assert.fail('the handlers loaded'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof HandlerLoadError, `expected a HandlerLoadError, got ${String(error)}`);
    assert.ok(error instanceof ConfigError);
    assert.ok(hasCode(error, 'STREAMD_HANDLER'));
    return error;
  }

  it('points a missing module at the manifest position that names it', async () => {
    const error = await loadFailure([{ file: app.path('report.ts'), exportName: 'report', origin: { file: manifest, line: 10, column: 37 } }]);
    assert.deepEqual([error.file, error.line, error.column], [manifest, 10, 37]);
    assert.equal(error.problems[0]?.kind, 'missing_file');
    assert.equal(
      error.format({ cwd: fixturePath() }),
      [
        'app.yaml:10:37: handler module "./report.ts" does not exist',
        '  10 |   report: { interval: 10s, handler: ./report.ts#report }',
        '     |                                     ^^^^^^^^^^^',
        `  looked for ${app.path('report.ts')}`,
      ].join('\n'),
    );
  });

  it('suggests a sibling file for a misspelt module name', async () => {
    const error = await loadFailure([{ file: app.path('page-view.ts'), exportName: 'countPageViews' }]);
    assert.deepEqual([error.file, error.line, error.column], [app.path('page-view.ts'), 0, 0]);
    assert.deepEqual(error.problems[0]?.hints, ['did you mean "page-views.ts"?']);
  });

  it('points a syntax error at its line and column in the handler, with the line text', async () => {
    const error = await loadFailure([{ file: app.path('syntax-error.ts'), exportName: 'broken' }]);
    assert.deepEqual([error.file, error.line, error.column], [app.path('syntax-error.ts'), 5, 19]);
    assert.equal(error.problems[0]?.kind, 'build');
    assert.equal(error.format({ cwd: app.root }), ['syntax-error.ts:5:19: Unexpected ";"', '  5 |   return view.id +;', '    |                   ^'].join('\n'));
  });

  it('points an unresolvable relative import at the import', async () => {
    const error = await loadFailure([{ file: app.path('broken-import.ts'), exportName: 'handler' }]);
    assert.deepEqual([error.file, error.line, error.column], [app.path('broken-import.ts'), 3, 24]);
    assert.match(error.message, /broken-import\.ts:3:24: Could not resolve "\.\/lib\/missing-helper\.js"/);
  });

  it('points a missing export at the manifest, lists the exports, and suggests the near miss', async () => {
    const error = await loadFailure([{ file: app.path('page-views.ts'), exportName: 'countPageView', origin: { file: manifest, line: 6, column: 14 } }]);
    assert.deepEqual([error.file, error.line, error.column], [manifest, 6, 30]);
    assert.equal(error.problems[0]?.kind, 'missing_export');
    assert.equal(
      error.format({ cwd: fixturePath() }),
      [
        'app.yaml:6:30: handler module "./page-views.ts" has no export "countPageView"',
        '  6 |     handler: ./page-views.ts#countPageView',
        '    |                              ^^^^^^^^^^^^^',
        '  its exports: countPageViews, failsAtRuntime, version',
        '  did you mean "countPageViews"?',
      ].join('\n'),
    );
  });

  it('reports an export that is not a function at the manifest position', async () => {
    const error = await loadFailure([{ file: app.path('page-views.ts'), exportName: 'version', origin: { file: manifest, line: 8, column: 14 } }]);
    assert.deepEqual([error.file, error.line, error.column], [manifest, 8, 30]);
    assert.equal(error.problems[0]?.kind, 'not_a_function');
    assert.match(error.format({ cwd: fixturePath() }), /^app\.yaml:8:30: export "version" of "\.\/page-views\.ts" is a number, not a function$/m);
  });

  it('reports a module that throws while imported at the throwing TypeScript line', async () => {
    const error = await loadFailure([{ file: app.path('throws-on-import.ts'), exportName: 'handler' }]);
    assert.deepEqual([error.file, error.line, error.column], [app.path('throws-on-import.ts'), 5, 9]);
    assert.equal(error.problems[0]?.kind, 'import_failed');
    assert.match(error.message, /handler module threw while it was imported: Error: cannot reach the database at import time/);
    assert.match(error.message, /\n {2}5 \| {3}throw new Error\('cannot reach the database at import time'\);\n/);
  });

  it('collects every problem of one load, and keeps the handlers loaded before', async () => {
    const good = { file: app.path('page-views.ts'), exportName: 'countPageViews' };
    const loaded = await bundler.load([good]);
    const error = await loadFailure([
      { file: app.path('bare-imports.ts'), exportName: 'describeFile' },
      { file: app.path('nowhere.ts'), exportName: 'x' },
      { file: app.path('page-views.ts'), exportName: 'missing' },
    ]);
    assert.deepEqual(error.problems.map((problem) => problem.kind), ['missing_file', 'missing_export']);
    assert.equal(bundler.handlers.get(handlerKey(good)), loaded.get(handlerKey(good)));
    assert.equal(bundler.handlers.has(handlerKey({ file: app.path('bare-imports.ts'), exportName: 'describeFile' })), false);
  });
});
