// Issue 10 case 7: a full disk mid-run. The worker's datadir is a tmpfs (we run as root, as CI does;
// a mount that fails fails the test, it never skips), filled once the worker runs, but for 1 MB,
// before 24 MB of input arrives. The store write that meets ENOSPC stops
// the worker with one fatal JSON line that names the code, table and partition and what to do,
// exit code 1, and no raw stack or "Unhandled" report; with space freed, a restart finishes with
// the table equal to the truth.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CountApp } from './helpers/count-app.js';
import type { Daemon } from './helpers/daemon.js';

const run = promisify(execFile);
const TIMEOUT_MS = 300_000;

async function mountTmpfs(dir: string, size: string): Promise<void> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  } catch (err) {
    throw new Error(`this test needs to mount a tmpfs (run it as root, as CI does): mount -t tmpfs -o size=${size} tmpfs ${dir} failed: ${String(err)}`, { cause: err });
  }
}

function assertOnlyJsonLines(daemon: Daemon): void {
  assert.deepEqual(daemon.output.filter((line) => !line.startsWith('{')), [], 'every output line is a JSON log line (no raw stack)');
  assert.equal(daemon.output.some((line) => line.includes('Unhandled') || line.includes('unhandledRejection')), false, daemon.tail());
}

describe('a full disk under the stores, through streamd start', () => {
  const apps: CountApp[] = [];
  const mounts: string[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    for (const dir of mounts) {
      await run('umount', [dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops with one fatal line and exit 1 at ENOSPC, and a restart with space finishes equal to the truth', { timeout: TIMEOUT_MS }, async () => {
    const app = new CountApp();
    apps.push(app);
    await app.setUp();
    const datadir = await mkdtemp(join(tmpdir(), `${app.appId}-tmpfs-`));
    await mountTmpfs(datadir, '64m');
    mounts.push(datadir);
    const full = await app.start(datadir);
    // The stores are open; now fill the disk but for 1 MB, and give the worker 24 MB to write:
    // 6,000 keys of 2,000 characters, twice.
    const { bavail, bsize } = await statfs(datadir);
    const filler = join(datadir, 'filler');
    await writeFile(filler, Buffer.alloc(bavail * bsize - 1024 * 1024));
    const distinct = 6_000;
    const keyOf = (i: number): string => `${i.toString().padStart(6, '0')}-${'d'.repeat(2_000 - 7)}`;
    function* keys(): Generator<string> {
      for (let r = 0; r < 2; r++) for (let i = 0; i < distinct; i++) yield keyOf(i);
    }
    await app.load(keys(), 1_000);

    const exit = await full.exited;
    assert.equal(exit.code, 1, full.tail());
    const fatal = full.logs().filter((line) => line['level'] === 60);
    assert.equal(fatal.length, 1, `one fatal line:\n${full.tail()}`);
    assert.equal(fatal[0]!['code'], 'STREAMD_STORE_IO', full.tail());
    assert.equal(fatal[0]!['table'], 'counts');
    assert.equal(typeof fatal[0]!['partition'], 'number');
    assert.match(String(fatal[0]!['action']), /free disk space/);
    assertOnlyJsonLines(full);
    console.log(`disk full: ${String(fatal[0]!['msg'])}`);

    await rm(filler);
    const again = await app.start(datadir, { readyTimeoutMs: 120_000 });
    await app.waitCommittedToEnd(TIMEOUT_MS / 3);
    assert.deepEqual(await again.terminate(), { code: 0, signal: null }, again.tail());
    const { values } = await app.changelogValues(60_000);
    assert.equal(values.size, distinct);
    let wrong = 0;
    for (let i = 0; i < distinct; i++) if (values.get(keyOf(i)) !== 2) wrong++;
    assert.equal(wrong, 0, 'every key counted exactly twice, across the crash');
  });
});
