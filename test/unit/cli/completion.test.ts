// `streamd completion`: the bash script it prints, sourced in a real bash, completes commands, a
// command's flags, and file names after --manifest.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import { fakeIo, inspectDeps } from './fixture.js';

async function script(): Promise<string> {
  const fake = fakeIo({});
  assert.equal(await runCli(['completion'], fake.io, inspectDeps), 0);
  return fake.stdout();
}

/** What bash completes for `words` (the last one being typed), in `cwd`, with the script at `cwd`/streamd.bash. */
function complete(words: readonly string[], cwd: string): string[] {
  const program = `source ./streamd.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _streamd; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { cwd, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

describe('streamd completion', () => {
  it('completes commands, the flags of a command, and files after --manifest', async () => {
    const text = await script();
    const dir = await mkdtemp(join(tmpdir(), 'streamd-completion-'));
    try {
      await writeFile(join(dir, 'app.yaml'), 'id: x\n');
      await writeFile(join(dir, 'streamd.bash'), text);
      assert.deepEqual(complete(['streamd', 's'], dir), ['send', 'start']);
      assert.deepEqual(complete(['streamd', 'send', '--re'], dir), ['--repeat']);
      assert.deepEqual(complete(['streamd', 'clean'], dir), ['clean-versions']);
      assert.deepEqual(complete(['streamd', 'clean-versions', '--d'], dir), ['--datadir', '--dry-run']);
      assert.deepEqual(complete(['streamd', 'agents', '--'], dir), ['--help', '--json', '--manifest']);
      assert.deepEqual(complete(['streamd', 'check', '--manifest', 'ap'], dir), ['app.yaml']);
      assert.deepEqual(complete(['streamd', 'check', '--manifest', 'stream'], dir), ['streamd.bash']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
