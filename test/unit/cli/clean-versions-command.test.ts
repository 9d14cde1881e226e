// `streamd clean-versions` in-process on a temp --datadir holding the state of versions 1, 2 (the
// manifest's), 3 and a directory that is not a version: only version 1 goes, sizes are reported,
// --dry-run removes nothing, and a version whose store a process holds is left alone.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import type { CleanVersionsResult } from '../../../src/cli/clean-versions-command.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { tableStorePath } from '../../../src/worker/index.js';
import { cliFixture, fakeIo, inspectDeps } from './fixture.js';

const MANIFEST = cliFixture('tables.yaml');
const APP = 'tables-test';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const fake = fakeIo({});
  const code = await runCli(argv, fake.io, inspectDeps);
  return { code, stdout: fake.stdout(), stderr: fake.stderr() };
}

/** A real store of `version` holding `bytes` bytes under one key. */
async function storeOf(datadir: string, version: number, bytes: number): Promise<string> {
  const path = tableStorePath({ datadir, id: APP, version }, 'counts', 0);
  const store = await RocksdbStore.open(path);
  await store.write({ puts: [[Buffer.from('k'), Buffer.alloc(bytes, 7)]], deletes: [], offset: 3n });
  await store.close();
  return path;
}

describe('streamd clean-versions', () => {
  let datadir = '';
  const dir = (name: string): string => join(datadir, APP, name);

  beforeEach(async () => {
    datadir = await mkdtemp(join(tmpdir(), 'streamd-clean-versions-'));
    await storeOf(datadir, 1, 20_000);
    await storeOf(datadir, 2, 1000);
    await storeOf(datadir, 3, 1000);
    await mkdir(dir('notes'), { recursive: true });
    await writeFile(join(dir('notes'), 'keep-me'), 'not a version');
    // Another app's old version beside this one: never this command's business.
    await mkdir(join(datadir, 'other-app', 'v1'), { recursive: true });
  });
  afterEach(async () => {
    await rm(datadir, { recursive: true, force: true });
  });

  const args = (...more: string[]): string[] => ['clean-versions', '--manifest', MANIFEST, '--datadir', datadir, ...more];

  it('removes the older version only, and says what it removed with its size', async () => {
    const { code, stdout, stderr } = await run(...args());
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^  removed v1  ${dir('v1')} \\((\\d+) bytes\\)$`, 'm'));
    const bytes = Number(new RegExp(`removed v1  .* \\((\\d+) bytes\\)`).exec(stdout)![1]);
    assert.ok(bytes > 20_000, `v1's size counts its store: ${bytes}`);
    assert.match(stdout, new RegExp(`left alone   ${dir('v2')}: the current version`));
    assert.match(stdout, new RegExp(`left alone   ${dir('v3')}: newer than the manifest's version 2`));
    assert.match(stdout, new RegExp(`left alone   ${dir('notes')}: not a version directory`));
    assert.equal(existsSync(dir('v1')), false);
    assert.equal(existsSync(tableStorePath({ datadir, id: APP, version: 2 }, 'counts', 0)), true, 'the current version keeps its store');
    assert.equal(existsSync(dir('v3')), true);
    assert.equal(existsSync(join(dir('notes'), 'keep-me')), true);
    assert.equal(existsSync(join(datadir, 'other-app', 'v1')), true);

    const again = await run(...args());
    assert.equal(again.code, 0);
    assert.match(again.stdout, /no older version has local state here: nothing to remove/);
  });

  it('with --dry-run and --json lists what it would remove and removes nothing', async () => {
    const { code, stdout, stderr } = await run(...args('--dry-run', '--json'));
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as CleanVersionsResult;
    assert.equal(result.app, APP);
    assert.equal(result.version, 2);
    assert.equal(result.isDryRun, true);
    assert.deepEqual(result.removed.map(({ version, path }) => [version, path]), [[1, dir('v1')]]);
    assert.ok(result.removed[0]!.bytes > 20_000);
    assert.deepEqual(result.leftAlone.map(({ path }) => path), [dir('notes'), dir('v2'), dir('v3')]);
    assert.equal(existsSync(dir('v1')), true, 'a dry run removes nothing');
  });

  it('leaves alone an older version whose store a running process holds, and names the holder', async () => {
    const holder = await RocksdbStore.open(tableStorePath({ datadir, id: APP, version: 1 }, 'counts', 0));
    try {
      const { code, stdout } = await run(...args('--json'));
      assert.equal(code, 0);
      const result = JSON.parse(stdout) as CleanVersionsResult;
      assert.deepEqual(result.removed, []);
      const v1 = result.leftAlone.find(({ path }) => path === dir('v1'));
      assert.match(v1?.reason ?? '', new RegExp(`in use by process ${process.pid} .*a worker of version 1 still runs`));
      assert.equal(await holder.offset(), 3n, 'the holder is undisturbed');
    } finally {
      await holder.close();
    }
  });

  it('says there is nothing to remove when the app has no local state at all', async () => {
    await rm(join(datadir, APP), { recursive: true });
    const { code, stdout } = await run(...args());
    assert.equal(code, 0);
    assert.match(stdout, /nothing to remove/);
  });
});
