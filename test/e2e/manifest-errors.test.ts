// Malformed manifests given to `streamd start`: each is reported on one screen with file:line:col,
// no stack trace, and exit code 2 — before anything connects to a broker.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uniqueName } from '../helpers/unique-name.js';
import { repoPath } from '../kafka/repo-root.js';

interface Run {
  readonly code: number | null;
  readonly stderr: string;
}

function start(manifest: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('dist', 'cmd', 'streamd.js'), 'start', '--manifest', manifest, '--web-port', '0'], {
      env: { ...process.env, STREAMD_BROKER: 'memory://', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const fixture = (name: string): string => repoPath('test', 'fixtures', 'manifests', name);

/** Handler-level mistakes need real handler sources, written for the run inside the project. */
const generated = repoPath('.streamd', 'test-tmp', uniqueName('manifest-errors'));
const GENERATED: Record<string, Record<string, string>> = {
  'missing-export': {
    'app.yaml': 'id: missing-export\ntopics:\n  orders: {}\nagents:\n  count:\n    topic: orders\n    handler: ./handlers.ts#countOrder\n',
    'handlers.ts': 'export async function* countOrders(stream: AsyncIterable<unknown>) {\n  for await (const o of stream) yield o;\n}\n',
  },
  'typescript-error': {
    'app.yaml': 'id: typescript-error\ntopics:\n  orders: {}\nagents:\n  count:\n    topic: orders\n    handler: ./handlers.ts#count\n',
    'handlers.ts': 'export async function* count(stream: AsyncIterable<unknown>) {\n  for await (const o of stream) {\n    yield o +;\n  }\n}\n',
  },
  'duplicate-repartition': {
    'app.yaml': 'id: duplicate-repartition\ntopics:\n  orders: {}\nagents:\n  count:\n    topic: orders\n    handler: ./handlers.ts#count\n',
    'handlers.ts': [
      "import type { Agent } from 'streamd';",
      'export const count: Agent<{ user: string; page: string }> = async function* (stream) {',
      "  const byUser = stream.groupBy((v) => v.user, { name: 'by-key' });",
      "  const byPage = byUser.groupBy((v) => v.page, { name: 'by-key' });",
      '  for await (const v of byPage) yield v;',
      '};',
      '',
    ].join('\n'),
  },
};

const CASES: readonly { name: string; manifest: () => string; where: RegExp }[] = [
  { name: 'a YAML syntax error', manifest: () => fixture('syntax-error.yaml'), where: /syntax-error\.yaml:4:15: / },
  { name: 'an unknown key', manifest: () => fixture('unknown-key.yaml'), where: /unknown-key\.yaml:7:5: [\s\S]*did you mean/ },
  { name: 'a wrong type', manifest: () => fixture('wrong-type.yaml'), where: /wrong-type\.yaml:5:17: / },
  { name: 'a missing handler file', manifest: () => fixture('missing-handler.yaml'), where: /missing-handler\.yaml:8:14: / },
  { name: 'a missing export', manifest: () => join(generated, 'missing-export', 'app.yaml'), where: /app\.yaml:7:\d+: [\s\S]*countOrders/ },
  { name: 'a TypeScript error in a handler', manifest: () => join(generated, 'typescript-error', 'app.yaml'), where: /handlers\.ts:3:\d+: / },
  { name: 'an agent on an undeclared topic', manifest: () => fixture('undeclared-topic.yaml'), where: /undeclared-topic\.yaml:7:12: [\s\S]*did you mean "page_views"/ },
  { name: 'a duplicate repartition name', manifest: () => join(generated, 'duplicate-repartition', 'app.yaml'), where: /app\.yaml:7:\d+: [\s\S]*by-key/ },
  { name: 'a bad duration', manifest: () => fixture('bad-duration.yaml'), where: /bad-duration\.yaml:5:15: / },
  { name: 'an unset variable without a default', manifest: () => fixture('unset-variable.yaml'), where: /unset-variable\.yaml:3:17: / },
];

describe('streamd start with a malformed manifest', () => {
  before(async () => {
    for (const [dir, files] of Object.entries(GENERATED)) {
      await mkdir(join(generated, dir), { recursive: true });
      for (const [file, text] of Object.entries(files)) await writeFile(join(generated, dir, file), text);
    }
  });
  after(async () => {
    await rm(generated, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`reports ${c.name} with file:line:col on one screen and exits 2`, { timeout: 90_000 }, async () => {
      const { code, stderr } = await start(c.manifest());
      assert.equal(code, 2, stderr);
      assert.match(stderr, c.where);
      assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
      assert.ok(stderr.trimEnd().split('\n').length <= 30, `one screen, got ${stderr.split('\n').length} lines:\n${stderr}`);
    });
  }
});
