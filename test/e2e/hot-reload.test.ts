// Hot reload through `streamd start`: editing a handler's source while the daemon runs switches the
// agent to the new code; a broken edit is reported and the running code stays.

import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { repoPath } from '../kafka/repo-root.js';
import { Daemon } from './helpers/daemon.js';

const dir = repoPath('.streamd', 'test-tmp', uniqueName('hot-reload'));
const MANIFEST = 'id: hot-reload\nbroker: memory://\nstore: memory://\ntopics:\n  words: { keyType: string, valueType: string }\nagents:\n  shout:\n    topic: words\n    handler: ./handlers.ts#shout\n';
const handler = (version: string): string =>
  [
    "import type { Agent } from 'streamd';",
    'export const shout: Agent<string> = async function* (stream, { log }) {',
    `  for await (const word of stream) log.info({ word, version: '${version}' }, 'heard a word');`,
    '};',
    '',
  ].join('\n');

async function send(daemon: Daemon, word: string): Promise<void> {
  const response = await fetch(`${daemon.url}/topics/words/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value: word }),
  });
  assert.equal(response.status, 202, await response.text());
}

function heard(daemon: Daemon, word: string): string | undefined {
  const line = daemon.logs().find((l) => l['msg'] === 'heard a word' && l['word'] === word);
  return line === undefined ? undefined : String(line['version']);
}

describe('streamd start with hot reload', () => {
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the edited handler for events after the edit, and keeps the old one when an edit does not compile', { timeout: 120_000 }, async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'app.yaml'), MANIFEST);
    await writeFile(join(dir, 'handlers.ts'), handler('v1'));
    const daemon = await Daemon.start({ manifest: join(dir, 'app.yaml') });
    try {
      await send(daemon, 'one');
      await waitFor(() => heard(daemon, 'one'), { timeoutMs: 10_000, message: 'the first word is heard' });
      assert.equal(heard(daemon, 'one'), 'v1');

      await writeFile(join(dir, 'handlers.ts'), handler('v2'));
      await waitFor(() => daemon.logs().some((l) => l['msg'] === 'handler reloaded'), { timeoutMs: 20_000, message: 'the worker reloads the handler' });
      await send(daemon, 'two');
      await waitFor(() => heard(daemon, 'two'), { timeoutMs: 10_000, message: 'the second word is heard' });
      assert.equal(heard(daemon, 'two'), 'v2');

      await writeFile(join(dir, 'handlers.ts'), 'export const shout = async function* (stream) {\n  for await (const w of stream) yield w +;\n};\n');
      await waitFor(() => daemon.logs().some((l) => l['level'] === 50 && JSON.stringify(l).includes('handlers.ts')), {
        timeoutMs: 20_000,
        message: 'the broken edit is reported',
      });
      await send(daemon, 'three');
      await waitFor(() => heard(daemon, 'three'), { timeoutMs: 10_000, message: 'the third word is heard' });
      assert.equal(heard(daemon, 'three'), 'v2', 'the running handler stays after a broken edit');
      assert.deepEqual(await daemon.terminate(), { code: 0, signal: null });
    } finally {
      await daemon.kill9();
    }
  });
});
