// Handler-level checks: problems found once handlers run, reported at the agent's handler reference.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertNoHandlerProblems, duplicateRepartitionProblems, loadManifest, ManifestError } from '../../../src/manifest/index.js';
import { fixture } from './fixtures.js';

describe('handler-level checks', () => {
  it('reports a repartition name used twice in one agent at the agent handler line', async () => {
    const manifest = await loadManifest(fixture('app.yaml'), { env: {} });
    const problems = duplicateRepartitionProblems(manifest, [
      { agent: 'count_page_views', name: 'by-page' },
      { agent: 'count_page_views', name: 'by-user' },
      { agent: 'count_page_views', name: 'by-page' },
    ]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, fixture('app.yaml'));
    assert.equal(`${problems[0]?.line}:${problems[0]?.column}`, '28:14');
    assert.match(problems[0]?.message ?? '', /"by-page" is used twice .*page-views-count_page_views-by-page-repartition/);
    assert.throws(() => assertNoHandlerProblems(problems), ManifestError);
  });

  it('accepts the same name in different agents', async () => {
    const manifest = await loadManifest(fixture('app.yaml'), { env: {} });
    const problems = duplicateRepartitionProblems(manifest, [
      { agent: 'count_page_views', name: 'by-page' },
      { agent: 'other', name: 'by-page' },
    ]);
    assert.deepEqual(problems, []);
    assert.doesNotThrow(() => assertNoHandlerProblems(problems));
  });
});
