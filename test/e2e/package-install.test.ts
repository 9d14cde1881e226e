// The package as a user gets it: `npm pack` holds the built CLI, the library and its config, and no
// tests, benches, sources or maps; installed globally into an empty prefix, its `streamd start` runs
// an app from a read-only directory whose handlers import from 'streamd', writing only to the datadir.
// Installs from the npm cache when it has the dependencies (`--prefer-offline`).

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import { findFreePorts } from '../kafka/free-ports.js';
import { repoRoot } from '../kafka/repo-root.js';

const run = promisify(execFile);

const MANIFEST = `id: packed-app
store: memory://
datadir: \${STREAMD_DATADIR}
topics:
  words: { valueType: json }
agents:
  shout: { topic: words, handler: ./handlers.ts#shout }
views:
  - { path: /hello/:name, handler: ./handlers.ts#hello }
`;

const HANDLERS = `import { respond, type Agent, type View } from 'streamd';
export const shout: Agent<string> = async function (stream) {
  for await (const word of stream) void word;
};
export const hello: View = ({ params }) => respond(200, { hello: params['name'] });
`;

describe('the npm package', { timeout: 240_000 }, () => {
  let root: string;
  let tarball: string;
  let child: ChildProcess | undefined;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'streamd-package-'));
    // dist is built by `npm test` before this runs; prepack (rm -rf dist && build) would rebuild it.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: repoRoot(), maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(root, packed!.filename);
  });

  after(async () => {
    child?.kill('SIGKILL');
    await chmod(join(root, 'app'), 0o755).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('holds the CLI, the library and its config, and no tests, benches, sources or source maps', async () => {
    const { stdout } = await run('tar', ['tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const files = stdout.split('\n').filter((f) => f !== '').map((f) => f.replace(/^package\//, ''));
    for (const needed of ['dist/cmd/streamd.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'config/manifest.schema.json', 'config/defaults.yaml', 'package.json', 'README.md']) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    const unwanted = files.filter((f) => /^(dist\/(test|bench|manifests)\/|src\/|test\/|bench\/)|\.map$|\.ts$(?<!\.d\.ts)/.test(f));
    assert.deepEqual(unwanted, []);
  });

  it('installed into an empty prefix, runs an app from a read-only directory whose handlers import from streamd', async () => {
    const prefix = join(root, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const app = join(root, 'app');
    await mkdir(app);
    await writeFile(join(app, 'app.yaml'), MANIFEST);
    await writeFile(join(app, 'handlers.ts'), HANDLERS);
    await chmod(app, 0o555);
    const datadir = join(root, 'data');
    const [port] = await findFreePorts(1);
    const output: string[] = [];
    child = spawn(join(prefix, 'bin', 'streamd'), ['start', '--manifest', join(app, 'app.yaml'), '--web-host', '127.0.0.1', '--web-port', String(port)], {
      cwd: root,
      // The build dir is left to its default, under the datadir.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'STREAMD_BUILD_DIR')), STREAMD_DATADIR: datadir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const hello = await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/hello/ada`);
      return response.status === 200 ? ((await response.json())) : undefined;
    }, { timeoutMs: 60_000, message: () => `the installed streamd to serve /hello:\n${output.join('').slice(-3000)}` });
    assert.deepEqual(hello, { hello: 'ada' });
    assert.deepEqual((await readdir(app)).sort(), ['app.yaml', 'handlers.ts'], 'nothing was written into the app directory');
    assert.ok((await readdir(join(datadir, '.cache', 'handlers'))).length > 0, 'the bundle is in the datadir cache');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output.join('').slice(-3000));
    child = undefined;
  });
});
