// classifyInternalTopics: which broker topics `streamd reset --topics` deletes for the fixture app
// (id tables-test, version 2, so the prefix is tables-test-v2), and which look-alikes it leaves alone.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyInternalTopics } from '../../../src/cli/internal-topics.js';
import { loadManifest, type Manifest } from '../../../src/manifest/index.js';
import { cliFixture, repoRoot } from './fixture.js';

const load = (): Promise<Manifest> => loadManifest(cliFixture('tables.yaml'), { env: {}, cwd: repoRoot() });

describe('classifyInternalTopics', () => {
  it('takes the changelogs of declared tables, the agents\' repartition and dead-letter topics, reply and leader topics', async () => {
    const topics = [
      'tables-test-v2-counts-changelog',
      'tables-test-v2-hits-2-changelog',
      'tables-test-v2-count_page_views-by-page-repartition',
      'tables-test-v2-count_page_views-dlq',
      'tables-test-v2-reply-0a1b2c3d',
      'tables-test-v2-__assignor-__leader',
    ];
    const { internal, leftAlone } = classifyInternalTopics(await load(), ['page_views', 'page_counts', ...topics]);
    assert.deepEqual(internal, [
      { topic: 'tables-test-v2-__assignor-__leader', kind: 'leader' },
      { topic: 'tables-test-v2-count_page_views-by-page-repartition', kind: 'repartition', owner: 'count_page_views' },
      { topic: 'tables-test-v2-count_page_views-dlq', kind: 'dlq', owner: 'count_page_views' },
      { topic: 'tables-test-v2-counts-changelog', kind: 'changelog', owner: 'counts' },
      { topic: 'tables-test-v2-hits-2-changelog', kind: 'changelog', owner: 'hits-2' },
      { topic: 'tables-test-v2-reply-0a1b2c3d', kind: 'reply' },
    ]);
    assert.deepEqual(leftAlone, []);
  });

  it('ignores other versions\' and other apps\' topics, and topics streamd never names', async () => {
    const { internal, leftAlone } = classifyInternalTopics(await load(), [
      'tables-test-counts-changelog', // version 1 of the app: prefix tables-test
      'tables-test-v3-counts-changelog',
      'other-app-counts-changelog',
      'tables-test-v2-notes', // no internal suffix
      'tables-test-v2-reply-not-hex',
    ]);
    assert.deepEqual(internal, []);
    assert.deepEqual(leftAlone, []);
  });

  it('leaves look-alikes alone and says why: a topic of an app whose prefix extends this one, an undeclared table or agent', async () => {
    const { internal, leftAlone } = classifyInternalTopics(await load(), [
      'tables-test-v2-eu-counts-changelog', // app "tables-test-v2-eu", or a table since removed
      'tables-test-v2-removed_agent-dlq',
      'tables-test-v2-removed_agent-by-page-repartition',
      'tables-test-v2-count_page_views-repartition', // an agent name with no repartition name after it
    ]);
    assert.deepEqual(internal, []);
    assert.deepEqual(leftAlone.map(({ topic }) => topic), [
      'tables-test-v2-count_page_views-repartition',
      'tables-test-v2-eu-counts-changelog',
      'tables-test-v2-removed_agent-by-page-repartition',
      'tables-test-v2-removed_agent-dlq',
    ]);
    assert.match(leftAlone[1]?.reason ?? '', /no table of the manifest is named "eu-counts"/);
    assert.match(leftAlone[3]?.reason ?? '', /no agent of the manifest is named "removed_agent"/);
  });

  it('never takes a topic the manifest declares, whatever its name', async () => {
    const manifest = await load();
    const declared = manifest.topics.get('page_views');
    assert.ok(declared !== undefined);
    const withLookAlike: Manifest = { ...manifest, topics: new Map([...manifest.topics, ['tables-test-v2-counts-changelog', { ...declared, name: 'tables-test-v2-counts-changelog' }]]) };
    const { internal, leftAlone } = classifyInternalTopics(withLookAlike, ['tables-test-v2-counts-changelog']);
    assert.deepEqual(internal, []);
    assert.deepEqual(leftAlone, [{ topic: 'tables-test-v2-counts-changelog', reason: 'the manifest declares it as one of its topics' }]);
  });
});
