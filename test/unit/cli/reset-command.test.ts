// `streamd reset` in-process: what it deletes under a temp --datadir (this app version's state only),
// when it asks and when it refuses, and `--topics` against an embedded memory:// broker of this process.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli, type CliIo } from '../../../src/cli/index.js';
import type { ResetResult } from '../../../src/cli/reset-command.js';
import { createMemoryDriver, dropMemoryCluster } from '../../../src/kafka/drivers/memory/index.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { tableStorePath } from '../../../src/worker/index.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { cliFixture, inspectDeps, repoRoot } from './fixture.js';

const deps = inspectDeps;

const MANIFEST = cliFixture('tables.yaml');

/** Runs the CLI with stdin a terminal (`answer` typed on it) or, with `answer` undefined and `isTTY` false, a pipe. */
async function run(argv: string[], stdin: { isTTY: boolean; answer?: string } = { isTTY: false }): Promise<{ code: number; stdout: string; stderr: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: Object.assign(Readable.from(stdin.answer === undefined ? [] : [Buffer.from(stdin.answer)]), { isTTY: stdin.isTTY }),
    env: {},
    cwd: repoRoot(),
  };
  const code = await runCli(argv, io, deps);
  return { code, stdout: out, stderr: err };
}

describe('streamd reset', () => {
  let datadir = '';
  /** This app version's state directory, and a neighbour that must survive every reset. */
  let state = '';
  let otherVersion = '';

  beforeEach(async () => {
    datadir = await mkdtemp(join(tmpdir(), 'streamd-reset-'));
    state = join(datadir, 'tables-test', 'v2');
    otherVersion = join(datadir, 'tables-test', 'v1');
    const store = await RocksdbStore.open(tableStorePath({ datadir, id: 'tables-test', version: 2 }, 'counts', 0));
    await store.write({ puts: [[Buffer.from('k'), Buffer.alloc(1000)]], deletes: [], offset: 9n });
    await store.close();
    await mkdir(join(otherVersion, 'tables'), { recursive: true });
    await writeFile(join(otherVersion, 'tables', 'keep-me'), 'v1 state');
  });
  afterEach(async () => {
    await rm(datadir, { recursive: true, force: true });
  });

  const args = (...more: string[]): string[] => ['reset', '--manifest', MANIFEST, '--datadir', datadir, ...more];

  it('with --yes deletes this app version\'s state directory only, and says what it deleted and its size', async () => {
    const { code, stdout, stderr } = await run(args('--yes'));
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`local state +${state} \\((\\d+) bytes\\) will be deleted`));
    assert.match(stdout, new RegExp(`^deleted ${state} \\(\\d+ bytes\\)$`, 'm'));
    assert.equal(existsSync(state), false);
    assert.equal(existsSync(join(otherVersion, 'tables', 'keep-me')), true, 'version 1 of the app keeps its state');
  });

  it('refuses without a terminal and without --yes: exit 2, the listing, how to go ahead, nothing deleted', async () => {
    const { code, stdout, stderr } = await run(args());
    assert.equal(code, 2);
    assert.match(stdout, /local state .* will be deleted/);
    assert.match(stderr, /^streamd: refusing to delete without asking, and stdin is not a terminal .*--yes.*nothing was deleted\n$/);
    assert.equal(existsSync(state), true);
  });

  it('asks on a terminal: "y" deletes, anything else cancels with exit 1 and deletes nothing', async () => {
    const no = await run(args(), { isTTY: true, answer: 'n\n' });
    assert.equal(no.code, 1);
    assert.match(no.stdout, /Delete all of this\? \[y\/N\] $/);
    assert.match(no.stderr, /reset cancelled: nothing was deleted/);
    assert.equal(existsSync(state), true);
    const empty = await run(args(), { isTTY: true });
    assert.equal(empty.code, 1, 'end of input is a no');
    assert.equal(existsSync(state), true);
    const yes = await run(args(), { isTTY: true, answer: 'yes\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(existsSync(state), false);
  });

  it('with --json prints only what it deleted on stdout', async () => {
    const { code, stdout, stderr } = await run(args('--yes', '--json'));
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as ResetResult;
    assert.equal(result.app, 'tables-test');
    assert.equal(result.version, 2);
    assert.equal(result.stateDir.path, state);
    assert.equal(result.stateDir.deleted, true);
    assert.ok(result.stateDir.bytes > 1000, `the store's bytes: ${result.stateDir.bytes}`);
    assert.equal(result.topics, null);
    assert.equal(stderr, '');
  });

  it('says there is nothing to delete when the state directory does not exist, and exits 0 without asking', async () => {
    await rm(state, { recursive: true });
    const { code, stdout } = await run(args());
    assert.equal(code, 0);
    assert.match(stdout, /local state +.* does not exist: nothing to delete/);
    assert.doesNotMatch(stdout, /Delete all/);
  });

  it('refuses while a worker holds one of the stores: exit 1, the store and the holder named, nothing deleted', async () => {
    const path = tableStorePath({ datadir, id: 'tables-test', version: 2 }, 'counts', 1);
    const holder = await RocksdbStore.open(path);
    try {
      const { code, stderr } = await run(args('--yes'));
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`${path} is in use by process ${process.pid}: stop every worker of tables-test \\(version 2\\)`));
      assert.equal(existsSync(state), true);
      assert.equal(await holder.offset(), undefined, 'the holder is undisturbed');
    } finally {
      await holder.close();
    }
  });

  describe('--topics on a memory:// broker', () => {
    let cluster = '';
    beforeEach(() => {
      cluster = uniqueName('reset');
    });
    afterEach(() => {
      dropMemoryCluster(cluster);
    });

    it('deletes the app\'s internal topics and its state, keeps the declared and foreign topics, and lists the look-alikes', async () => {
      const driver = createMemoryDriver(cluster, {});
      try {
        const admin = await driver.admin();
        const internal = ['tables-test-v2-counts-changelog', 'tables-test-v2-count_page_views-by-page-repartition', 'tables-test-v2-count_page_views-dlq', 'tables-test-v2-reply-0a1b2c3d', 'tables-test-v2-__assignor-__leader'];
        const kept = ['page_views', 'page_counts', 'tables-test-counts-changelog', 'tables-test-v2-eu-counts-changelog'];
        await admin.createTopics([...internal, ...kept].map((topic) => ({ topic, partitions: 1 })));

        const listing = await run(args('--topics', '--broker', `memory://${cluster}`));
        assert.equal(listing.code, 2, 'no terminal, no --yes');
        for (const topic of internal) assert.match(listing.stdout, new RegExp(`^ +${topic} +\\S`, 'm'));
        assert.match(listing.stdout, /tables-test-v2-counts-changelog +changelog of table counts/);
        assert.match(listing.stdout, /left alone .*\n +tables-test-v2-eu-counts-changelog: no table of the manifest is named "eu-counts"/);
        assert.deepEqual((await admin.listTopics()).length, internal.length + kept.length, 'nothing deleted before confirmation');

        const { code, stdout, stderr } = await run(args('--topics', '--yes', '--json', '--broker', `memory://${cluster}`));
        assert.equal(code, 0, stderr);
        const result = JSON.parse(stdout) as ResetResult;
        assert.deepEqual(result.topics?.deleted.map(({ topic }) => topic), [...internal].sort());
        assert.deepEqual(result.topics?.leftAlone.map(({ topic }) => topic), ['tables-test-v2-eu-counts-changelog']);
        assert.equal(result.stateDir.deleted, true);
        assert.deepEqual((await admin.listTopics()).sort(), [...kept].sort());
        assert.equal(existsSync(state), false);
      } finally {
        await driver.close();
      }
    });

    it('says a fresh memory:// broker has no internal topics to delete', async () => {
      const { code, stdout, stderr } = await run(args('--topics', '--yes', '--broker', `memory://${cluster}`));
      assert.equal(code, 0, stderr);
      assert.match(stdout, /memory:\/\/\S+ has no internal topics of tables-test-v2\n.*memory:\/\/ topics live inside a running daemon/);
    });
  });
});
