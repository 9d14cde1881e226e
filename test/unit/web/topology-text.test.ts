// The topology as text: a describe()-like tree naming every topic with its partition count, and
// saying so when a count is not known yet.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTopologyText } from '../../../src/web/topology-text.js';
import type { Topology } from '../../../src/worker/types.js';
import { PAGE_VIEWS_TOPOLOGY } from './fixture.js';

describe('renderTopologyText', () => {
  it('draws sources, agents with their groupBys and sinks, tables with changelogs, and the leader topic', () => {
    assert.equal(
      renderTopologyText(PAGE_VIEWS_TOPOLOGY),
      [
        'page-views (v1)',
        '  source page_views [4 partitions]',
        '    → agent count_page_views (concurrency 1) ./handlers/page-views.ts#countPageViews',
        '        groupBy by-page → page-views-count_page_views-by-page-repartition [4 partitions]',
        '        sink page_counts_out',
        '  sink page_counts_out [4 partitions]',
        '  table page_counts (string → integer) → changelog page-views-page_counts-changelog [4 partitions], 1 standby replica',
        '  leader topic page-views-__assignor-__leader [1 partition]',
        '',
      ].join('\n'),
    );
  });

  it('names every topic of the plan', () => {
    const text = renderTopologyText(PAGE_VIEWS_TOPOLOGY);
    for (const topic of PAGE_VIEWS_TOPOLOGY.topics) assert.ok(text.includes(topic.name), `${topic.name} is in the text`);
  });

  it('marks unknown counts, global tables, dead letters, agents on several topics, timers, crontabs, tasks and views', () => {
    const base = PAGE_VIEWS_TOPOLOGY;
    const agent = { ...base.agents[0]!, topics: ['page_views', 'page_counts_out'], throughTopics: ['page_counts_out'], deadLetterTopic: { name: 'page-views-count_page_views-dlq', partitions: null } };
    const topology: Topology = {
      ...base,
      // The agent reads page_counts_out too: both declared topics are sources here.
      topics: base.topics.map((t) => (t.role === 'source' || t.role === 'sink' ? { ...t, role: 'source' as const, partitions: null } : t)),
      agents: [agent],
      tables: [{ ...base.tables[0]!, name: 'settings', global: true, partitions: null }],
      timers: [{ name: 'tick', intervalMs: 1000, isLeaderOnly: true }],
      crontabs: [{ name: 'nightly', cron: '0 0 * * *', timezone: 'UTC', isLeaderOnly: false }],
      tasks: [{ name: 'warmup', isLeaderOnly: false }],
      views: [{ method: 'GET', path: '/counts' }, { method: 'GET', path: '/counts/:page', routeBy: { table: 'counts', param: 'page' } }],
    };
    const lines = renderTopologyText(topology).split('\n');
    assert.ok(lines.includes('  source page_views [partitions unknown]'));
    assert.ok(lines.includes('        through page_counts_out'));
    assert.ok(lines.includes('        dead letters → page-views-count_page_views-dlq [partitions unknown]'));
    assert.ok(lines.includes('    → agent count_page_views (described above)'));
    assert.ok(lines.includes('  global table settings (string → integer) → changelog page-views-page_counts-changelog [partitions unknown], read whole by every worker'));
    assert.ok(lines.includes('  timer tick every 1000 ms (leader only)'));
    assert.ok(lines.includes('  crontab nightly "0 0 * * *" UTC'));
    assert.ok(lines.includes('  task warmup at start'));
    assert.ok(lines.includes('  view GET /counts'));
    assert.ok(lines.includes('  view GET /counts/:page → runs on the owner of counts[page]'));
  });
});
