// loadManifest on TypeScript manifests (app.ts, `export default defineApp({...})`): the same Manifest as
// the YAML twin, function handlers carried through, and the same checks and errors as YAML.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem, loadManifest, ManifestError, type Manifest } from '../../../src/manifest/index.js';
import { fixture, loadFailure, problemAt, repoRoot } from './fixtures.js';

const tsFixture = (name: string): string => fixture(join('ts', name));

/** `value` with every `location`, `sourcePath` and `handler` member left out, recursively (Maps as entries). */
function positionFree(value: unknown): unknown {
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([key, item]) => [key, positionFree(item)]);
  if (Array.isArray(value)) return value.map(positionFree);
  if (typeof value !== 'object' || value === null) return value;
  const kept = Object.entries(value).filter(([key]) => !['location', 'sourcePath', 'handler'].includes(key));
  return Object.fromEntries(kept.map(([key, item]) => [key, positionFree(item)]));
}

function handlerTexts(manifest: Manifest): string[] {
  return [...manifest.timers.values(), ...manifest.crontabs.values(), ...manifest.tasks.values(), ...manifest.views].map((d) => `${d.handler.kind} ${d.handler.text}`);
}

describe('loading a TypeScript manifest', () => {
  it('normalises to the same Manifest as the equivalent YAML, apart from handlers and positions', async () => {
    const [fromTs, fromYaml] = await Promise.all([loadManifest(tsFixture('app.ts'), { env: {} }), loadManifest(tsFixture('app.yaml'), { env: {} })]);
    assert.equal(fromTs.sourcePath, tsFixture('app.ts'));
    assert.deepEqual(positionFree(fromTs), positionFree(fromYaml));
    assert.deepEqual(handlerTexts(fromTs), handlerTexts(fromYaml));
    const timer = fromTs.timers.get('report')?.handler;
    assert.equal(timer?.kind === 'module' ? timer.file : undefined, join(dirname(tsFixture('app.ts')), '..', 'handlers', 'report.ts'));
  });

  it('carries a function handler through as the function itself, located at the manifest file', async () => {
    const manifest = await loadManifest(tsFixture('app.ts'), { env: {} });
    const handler = manifest.agents.get('count_page_views')?.handler;
    assert.equal(handler?.kind, 'function');
    assert.equal(typeof (handler.kind === 'function' ? handler.fn : undefined), 'function');
    assert.equal(handler.text, 'countPageViews');
    assert.deepEqual(handler.location, { file: tsFixture('app.ts'), line: 0, column: 0 });
  });

  it('takes a table hook as a function, or as a module reference', async () => {
    const hooks = (await loadManifest(tsFixture('table-hook.ts'), { env: {} })).tables.get('counts')?.hooks;
    assert.equal(hooks?.onKeySet?.kind, 'function');
    assert.equal(hooks.onKeySet.text, 'counted');
    assert.equal(hooks.onChangelogEvent?.kind, 'module');
  });

  it('layers environment variables and flags over what app.ts sets', async () => {
    const manifest = await loadManifest(tsFixture('app.ts'), { env: { STREAMD_WEB_PORT: '7070' }, overrides: { commitEvery: 5 } });
    assert.equal(manifest.web.port, 7070);
    assert.equal(manifest.settings.commitEvery, 5);
  });

  it('reports an undeclared topic at the file and path, with a did-you-mean', async () => {
    const error = await loadFailure(join('ts', 'undeclared-topic.ts'));
    const problem = problemAt(error, 'agents.count_page_views.topic');
    assert.equal(problem.file, tsFixture('undeclared-topic.ts'));
    assert.equal(problem.message, '"page_view" is not a declared topic');
    assert.equal(problem.hint, 'did you mean "page_views"?');
    assert.equal(
      formatProblem(problem, { cwd: repoRoot() }),
      'test/fixtures/manifests/ts/undeclared-topic.ts: agents.count_page_views.topic: "page_view" is not a declared topic\n  did you mean "page_views"?',
    );
  });

  it('refuses a codec object in app.ts: codecs are named by ./file.ts#export there too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamd-ts-codec-'));
    try {
      await writeFile(join(dir, 'app.ts'), "export default { id: 'x', codecs: { rot13: { encode: (b: Buffer) => b, decode: (b: Buffer) => b } } };\n");
      const error = await loadManifest(join(dir, 'app.ts'), { cwd: dir, env: {} }).then(() => assert.fail('loaded'), (failure: unknown) => failure as ManifestError);
      assert.deepEqual(error.problems.map((p) => [p.path, p.message]), [['codecs.rot13', 'a codec is named by "./file.ts#export" in app.ts too']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing default export at line 1 of the manifest', async () => {
    const error = await loadFailure(join('ts', 'no-default-export.ts'));
    assert.deepEqual(error.problems.map((p) => [p.file, p.line, p.column, p.message]), [[tsFixture('no-default-export.ts'), 1, 1, 'the manifest has no default export']]);
    assert.match(error.problems[0]?.hint ?? '', /export default defineApp/);
  });

  it('reports a compile error at esbuild\'s file:line:col', async () => {
    // The broken fixture is not a .ts file (tsc would reject it): copy it into the project to load it.
    const dir = join(repoRoot(), '.streamd', 'test-tmp', randomBytes(6).toString('hex'));
    const manifest = join(dir, 'app.ts');
    try {
      await mkdir(dir, { recursive: true });
      await copyFile(tsFixture('syntax-error.ts.fixture'), manifest);
      const error = await loadManifest(manifest, { env: {} }).then(
        () => assert.fail('a manifest that does not compile loaded'),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof ManifestError, String(error));
      const [problem] = error.problems;
      assert.equal(problem?.file, manifest);
      assert.equal(problem.line, 6);
      assert.equal(problem.column, "  topics: { orders: { valueType: 'json' } ;".indexOf(';') + 1);
      assert.match(problem.message, /Expected "}" but found ";"/);
      assert.match(error.message, new RegExp(`app\\.ts:6:${problem.column}: Expected`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
