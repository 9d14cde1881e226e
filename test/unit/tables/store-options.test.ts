// The store settings (storeWriteBufferBytes, storeMaxWriteBuffers, storeBlockCache) of a loaded manifest,
// given as STREAMD_* variables as a deployment would, become the RocksDB options of the table stores.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadManifest } from '../../../src/manifest/index.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { storeOptionsOf } from '../../../src/tables/store-options.js';
import { fixture } from '../manifest/fixtures.js';

async function optionsFileLines(path: string): Promise<string[]> {
  const file = (await readdir(path)).filter((f) => f.startsWith('OPTIONS-')).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8))).at(-1)!;
  return (await readFile(join(path, file), 'utf8')).split('\n').map((line) => line.trim());
}

void describe('storeOptionsOf', () => {
  void it('opens the table stores with the store settings of the manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamd-store-options-'));
    try {
      const env = { STREAMD_STORE_WRITE_BUFFER_BYTES: '2097152', STREAMD_STORE_MAX_WRITE_BUFFERS: '3', STREAMD_STORE_BLOCK_CACHE: 'false' };
      const manifest = await loadManifest(fixture('app.yaml'), { env });
      assert.deepEqual(storeOptionsOf(manifest.settings), { writeBufferSize: 2097152, maxWriteBufferNumber: 3, blockCache: false });
      const store = await RocksdbStore.open(join(dir, 'counts-0'), storeOptionsOf(manifest.settings));
      await store.close();
      const lines = await optionsFileLines(join(dir, 'counts-0'));
      for (const line of ['write_buffer_size=2097152', 'max_write_buffer_number=3', 'no_block_cache=true']) assert.ok(lines.includes(line), `OPTIONS has ${line}`);
      const defaults = await loadManifest(fixture('app.yaml'), { env: {} });
      assert.deepEqual(storeOptionsOf(defaults.settings), { writeBufferSize: 8 * 1024 * 1024, maxWriteBufferNumber: 2, blockCache: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
