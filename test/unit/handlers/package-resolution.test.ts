// Handlers of an app that lives outside any node_modules tree (a global install, an image): `import …
// from 'streamd'` is the running streamd itself, the bundle goes to the cache directory given (never
// the app's tree, which here is read-only), and an import nothing provides fails the build naming it.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HandlerBundler, HandlerLoadError, handlerKey } from '../../../src/handlers/index.js';
import { StreamdError, respond } from '../../../src/index.js';

describe('handler package resolution', () => {
  let app: string;
  let cache: string;

  before(async () => {
    app = await mkdtemp(join(tmpdir(), 'streamd-app-'));
    cache = await mkdtemp(join(tmpdir(), 'streamd-cache-'));
    await writeFile(join(app, 'views.ts'), [
      "import { respond, StreamdError } from 'streamd';",
      "import { createHash } from 'node:crypto';",
      'export const parts = () => ({ respond, StreamdError, sha: createHash("sha1").update("x").digest("hex").slice(0, 6) });',
      '',
    ].join('\n'));
    await writeFile(join(app, 'missing.ts'), "import { thing } from 'no-such-package-anywhere';\nexport const use = () => thing;\n");
    await chmod(app, 0o555);
  });

  after(async () => {
    await chmod(app, 0o755);
    await rm(app, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  });

  it('resolves streamd to the running streamd from a read-only app directory, writing only to the cache directory', async () => {
    const bundler = new HandlerBundler({ appRoot: app, buildDir: join(cache, 'handlers') });
    try {
      const ref = { file: join(app, 'views.ts'), exportName: 'parts' };
      const loaded = await bundler.load([ref]);
      const parts = (loaded.get(handlerKey(ref)) as () => { respond: unknown; StreamdError: unknown; sha: string })();
      assert.equal(parts.respond, respond, 'the same module instance as the running streamd');
      assert.equal(parts.StreamdError, StreamdError);
      assert.equal(parts.sha, '11f6ad');
      assert.equal((await readdir(join(cache, 'handlers'))).length, 1, 'one build directory in the cache');
      assert.deepEqual((await readdir(app)).sort(), ['missing.ts', 'views.ts'], 'nothing written into the app');
    } finally {
      await bundler.dispose();
    }
  });

  it('fails the build of an import nothing provides, naming the module', async () => {
    const bundler = new HandlerBundler({ appRoot: app, buildDir: join(cache, 'handlers') });
    try {
      await assert.rejects(bundler.load([{ file: join(app, 'missing.ts'), exportName: 'use' }]), (error: unknown) => {
        assert.ok(error instanceof HandlerLoadError);
        const [problem] = error.problems;
        assert.equal(problem?.kind, 'build');
        assert.match(problem?.message ?? '', /cannot resolve "no-such-package-anywhere"/);
        assert.equal(problem?.line, 1);
        assert.match(problem?.hints.join('\n') ?? '', /install "no-such-package-anywhere"/);
        return true;
      });
    } finally {
      await bundler.dispose();
    }
  });
});
