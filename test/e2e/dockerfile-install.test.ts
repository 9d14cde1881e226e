// The image's install, without Docker (base images cannot be pulled here): the Dockerfile's own
// steps, parsed from it, performed into an empty directory standing for the image's root (the build
// stage, then the runtime stage copying from it); then the image's ENTRYPOINT and CMD started as the
// image's USER, on the image's Node (24, from the npm registry's node package), with the install and
// the app read-only, against the real broker: it becomes ready and answers a table query.

import assert from 'node:assert/strict';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NODE24_VERSION, node24, run } from '../helpers/deploy-tools.js';
import { findFreePorts } from '../kafka/free-ports.js';
import { repoPath, repoRoot } from '../kafka/repo-root.js';
import { performStage, readDockerfile } from './helpers/dockerfile.js';
import { PageViewLoad } from './helpers/page-view-load.js';
import { brokerAddress } from './helpers/pipeline-app.js';
import { TablesApp } from './helpers/tables-app.js';

const LOAD = new PageViewLoad(3000, 100);
const isRoot = process.getuid?.() === 0;

describe('the Dockerfile performed into an empty directory', () => {
  const app = new TablesApp();
  const scratch = mkdtemp(join(tmpdir(), 'streamd-image-'));
  after(async () => {
    await app.close();
    const dir = await scratch;
    await run('chmod', ['-R', 'u+w', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('installs what streamd start needs and no more, and runs an app with a table as the image user, read-only', { timeout: 600_000 }, async () => {
    const { args, stages } = await readDockerfile(repoPath('Dockerfile'));
    assert.equal(args.get('NODE_VERSION'), NODE24_VERSION, "the image's Node is the one the tests run under");
    assert.equal(stages.length, 2, 'a build stage and a runtime stage');
    const [buildStage, runtimeStage] = stages as [typeof stages[0], typeof stages[0]];
    assert.match(runtimeStage.from, new RegExp(`^node:${NODE24_VERSION.replace(/\./g, '\\.')}-\\w+-slim$`));

    const root = await scratch;
    await chmod(root, 0o755);
    const buildRoot = join(root, 'build');
    const imageRoot = join(root, 'image');
    await performStage(buildStage, { context: repoRoot(), root: buildRoot, stageRoots: new Map(), canChown: isRoot });
    const image = await performStage(runtimeStage, { context: repoRoot(), root: imageRoot, stageRoots: new Map([[buildStage.name!, buildRoot]]), canChown: isRoot });
    process.stdout.write(`# runtime stage: ${image.log.join('; ')}\n`);

    // The production install: what `streamd start` loads, not the build tools.
    const installDir = image.path('/opt/streamd');
    const modules = new Set(await readdir(join(installDir, 'node_modules')));
    for (const needed of ['esbuild', 'rocksdb-native', 'kafkajs', 'koa', 'pino']) assert.ok(modules.has(needed), `${needed} is installed`);
    for (const dev of ['typescript', 'eslint', 'typescript-eslint']) assert.ok(!modules.has(dev), `${dev} (a dev dependency) is not`);
    assert.deepEqual((await readdir(join(installDir, 'dist'))).sort(), ['cmd', 'src']);
    assert.match(image.user ?? '', /^\d+:\d+$/, 'a numeric non-root USER');
    const [uid, gid] = image.user!.split(':').map(Number) as [number, number];
    assert.notEqual(uid, 0);
    assert.ok(runtimeStage.instructions.some((i) => i.keyword === 'VOLUME' && i.text.includes('"/var/lib/streamd"')), 'the state directory is a volume');
    assert.ok(runtimeStage.instructions.some((i) => i.keyword === 'STOPSIGNAL' && i.text === 'SIGTERM'));

    // The app, added as the README says (COPY into /app), read-only like the install.
    const manifest = (await readFile(await app.writeManifest(), 'utf8')).replace(/(handler: )\S*\/handlers\//g, '$1./handlers/');
    const appDir = image.path('/app');
    await mkdir(appDir, { recursive: true });
    await writeFile(join(appDir, 'app.yaml'), manifest);
    await cp(repoPath('manifests', 'page-views', 'handlers'), join(appDir, 'handlers'), { recursive: true });
    await mkdir(image.path('/tmp'), { recursive: true, mode: 0o1777 });
    await chmod(image.path('/tmp'), 0o1777);
    await run('chmod', ['-R', 'a-w', installDir, appDir]);

    const [port] = await findFreePorts(1);
    const env: Record<string, string> = {};
    for (const [key, value] of image.env) env[key] = value.startsWith('/') ? image.path(value) : value;
    env['STREAMD_BROKER'] = `kafka://${brokerAddress()}`;
    env['STREAMD_WEB_PORT'] = String(port);
    const node = await node24();
    const argv = [...image.entrypoint, ...image.cmd].map((arg) => (arg === 'node' ? node : arg.startsWith('/') ? image.path(arg) : arg));
    const asImageUser = isRoot ? ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'] : [];

    await app.createTopics();
    await app.load(LOAD);
    const daemon = await app.start({ command: [...asImageUser, ...argv], env, webPort: port!, readyTimeoutMs: 90_000 });
    await app.waitForDrain(90_000);
    const truth = LOAD.truth();
    for (const page of ['/page-0', '/page-7', '/page-42']) {
      const response = await fetch(`${daemon.url}/tables/page_counts/keys/${encodeURIComponent(page)}`);
      assert.equal(response.status, 200);
      assert.deepEqual(((await response.json()) as { value: unknown }).value, truth.get(page), `the count of ${page}`);
    }
    const version = await run(node, ['--version']);
    assert.equal(version.trim(), `v${NODE24_VERSION}`);
    const stateDir = join(image.path('/var/lib/streamd'), app.appId);
    if (isRoot) assert.equal((await stat(stateDir)).uid, uid, 'the state was written by the image user');
    assert.deepEqual(await daemon.terminate(60_000), { code: 0, signal: null }, 'SIGTERM drains and exits 0');
  });
});
