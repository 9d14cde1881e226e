// declaredHandlers: what `streamd start` loads and hot reload watches — table hooks and
// onWindowClose included, each under its table's name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaredHandlers } from '../../../src/cli/handler-reload.js';
import { ManifestError, loadManifest } from '../../../src/manifest/index.js';
import { manifestFixture } from './fixture.js';

describe('declaredHandlers', () => {
  it('lists each table hook by its kind and table', async () => {
    // The fixture's windowed table is refused; the partial manifest still carries the plain table's hooks.
    const error = await loadManifest(manifestFixture('table-hooks.yaml'), { env: {} }).catch((e: unknown) => e);
    assert.ok(error instanceof ManifestError && error.partial !== undefined);
    const declared = declaredHandlers(error.partial).filter((d) => d.name === 'counts');
    assert.deepEqual(declared.map((d) => [d.kind, d.name]), [['onKeySet', 'counts'], ['onKeyDel', 'counts'], ['onChangelogEvent', 'counts']]);
  });
});
