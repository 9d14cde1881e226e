// The acceptance list of malformed manifests: each fails with a ManifestError whose problems name the
// exact file:line:col, and whose format() is a one-screen message without a stack trace.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, hasCode } from '../../../src/errors/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { at, fixture, loadFailure, problemAt, repoRoot } from './fixtures.js';

const cwd = repoRoot();

describe('malformed manifests', () => {
  it('reports a YAML syntax error at its line and column', async () => {
    const error = await loadFailure('syntax-error.yaml');
    assert.equal(error.problems.length, 1);
    const [problem] = error.problems;
    assert.equal(problem?.file, fixture('syntax-error.yaml'));
    assert.equal(problem && at(problem), '4:15');
    assert.equal(problem?.message, 'Nested mappings are not allowed in compact mappings');
    assert.equal(
      error.format({ cwd }),
      [
        'test/fixtures/manifests/syntax-error.yaml:4:15: Nested mappings are not allowed in compact mappings',
        '  4 |   page_views: partitions: 4',
        '    |               ^',
      ].join('\n'),
    );
  });

  it('refuses isolatedPartitions with concurrency above 1 at the concurrency (one actor per partition)', async () => {
    const error = await loadFailure('isolated-partitions.yaml');
    const problem = problemAt(error, 'agents.count.concurrency');
    assert.equal(at(problem), '9:18');
    assert.match(problem.message, /isolatedPartitions runs one actor per assigned partition, so concurrency 3 cannot apply/);
    assert.equal(error.problems.length, 1);
  });

  it('refuses each misuse of a topic pattern at its key: a creation key, a bad expression, a sink, a source beside partitioned tables', async () => {
    const error = await loadFailure('topic-patterns.yaml');
    const partitions = problemAt(error, 'topics.orders.partitions');
    assert.equal(at(partitions), '4:34');
    assert.match(partitions.message, /a pattern topic is never created by streamd, so partitions cannot apply/);
    assert.match(problemAt(error, 'topics.broken.pattern').message, /not a regular expression/);
    const sink = problemAt(error, 'agents.count.sinks[1]');
    assert.equal(at(sink), '13:18');
    assert.match(sink.message, /"orders" is a pattern topic and cannot be a sink/);
    assert.match(problemAt(error, 'agents.count.topic').message, /cannot read pattern topic "orders" in an app with partitioned tables \(counts\)/);
    assert.equal(error.problems.length, 4);
  });

  it('refuses a topic pattern under exactly_once at the pattern (a topic created later would have no transactional id)', async () => {
    const error = await loadFailure('topic-pattern-exactly-once.yaml');
    const problem = problemAt(error, 'topics.orders.pattern');
    assert.equal(at(problem), '5:22');
    assert.match(problem.message, /a topic pattern cannot be read under exactly_once yet/);
    assert.equal(error.problems.length, 1);
  });
  it('refuses a topicPatternRefreshIntervalMs that would list the topics without pause', async () => {
    const error = await loadFailure('app.yaml', { env: { STREAMD_TOPIC_PATTERN_REFRESH_INTERVAL_MS: '0' } });
    assert.match(problemAt(error, 'settings.topicPatternRefreshIntervalMs').message, /0ms would list the broker's topics without pause/);
  });

  it('reports an unknown key at the key, with did-you-mean', async () => {
    const error = await loadFailure('unknown-key.yaml');
    const problem = problemAt(error, 'agents.count.tpoic');
    assert.equal(at(problem), '7:5');
    assert.equal(problem.message, 'unknown key "tpoic"');
    assert.equal(problem.hint, 'did you mean "topic"?');
    assert.equal(
      error.format({ cwd }),
      [
        'test/fixtures/manifests/unknown-key.yaml:7:5: agents.count.tpoic: unknown key "tpoic"',
        '  7 |     tpoic: page_views',
        '    |     ^^^^^',
        '  did you mean "topic"?',
      ].join('\n'),
    );
  });

  it('reports an unknown codec and a misplaced serializer in a codec chain at the value, with the closest name', async () => {
    const error = await loadFailure('codec-chains.yaml');
    const typo = problemAt(error, 'topics.typo.valueSerializer');
    assert.equal(at(typo), '9:22');
    assert.match(typo.message, /unknown codec "gzp" in "json\|gzp"/);
    assert.equal(typo.hint, 'did you mean "gzip"?');
    assert.match(problemAt(error, 'topics.twice.keySerializer').message, /"json" turns values into bytes, so it can only come first in "raw\|json"/);
    assert.deepEqual(error.problems.map((p) => p.path).filter((p) => p.startsWith('topics.')).sort(), ['topics.twice.keySerializer', 'topics.typo.valueSerializer']);
  });

  it('reports an undeclared channel, an agent with a topic and a channel, a second reader of a channel, and an unknown @agent sink', async () => {
    const error = await loadFailure('channels.yaml');
    const typo = problemAt(error, 'agents.typo.channel');
    assert.equal(typo.message, '"itmes" is not a declared channel');
    assert.equal(typo.hint, 'did you mean "items"?');
    assert.match(problemAt(error, 'agents.both.channel').message, /give one of topic, topics or channel, not topic and channel/);
    const sink = problemAt(error, 'agents.bad_sink.sinks[0]');
    assert.equal(sink.message, '"@pirce" is neither a declared topic nor an agent');
    assert.equal(sink.hint, 'did you mean "price"?');
    assert.equal(problemAt(error, 'agents.second_reader.channel').message, 'channel "items" is already read by agent price');
    assert.equal(error.problems.filter((p) => p.path.startsWith('agents.')).length, 4, error.message);
  });

  it('reports a value of the wrong type at the value', async () => {
    const error = await loadFailure('wrong-type.yaml');
    const problem = problemAt(error, 'topics.page_views.partitions');
    assert.equal(at(problem), '5:17');
    assert.equal(problem.message, 'must be an integer, got "four"');
    assert.equal(problem.excerpt?.width, 4);
  });

  it('reports an agent on an undeclared topic, suggesting the declared one', async () => {
    const error = await loadFailure('undeclared-topic.yaml');
    assert.equal(
      error.format({ cwd }),
      [
        'test/fixtures/manifests/undeclared-topic.yaml:7:12: agents.count_page_views.topic: "page_view" is not a declared topic',
        '  7 |     topic: page_view',
        '    |            ^^^^^^^^^',
        '  did you mean "page_views"?',
      ].join('\n'),
    );
  });

  it('reports a bad duration with what a duration looks like', async () => {
    const error = await loadFailure('bad-duration.yaml');
    const problem = problemAt(error, 'timers.report.interval');
    assert.equal(at(problem), '5:15');
    assert.equal(problem.message, '"10 minutes" is not a duration');
    assert.match(problem.expected ?? '', /500ms, 10s/);
  });

  it('reports an unset variable without a default at the reference inside the scalar', async () => {
    const error = await loadFailure('unset-variable.yaml');
    const problem = problemAt(error, 'broker');
    assert.equal(at(problem), '3:17');
    assert.equal(problem.excerpt?.width, '${KAFKA_HOST}'.length);
    assert.equal(problem.message, 'environment variable KAFKA_HOST is not set');
    assert.equal(problem.hint, 'set KAFKA_HOST, or give a default: ${KAFKA_HOST:-value}');
  });

  it('loads the same manifest once the variable is set', async () => {
    const manifest = await loadManifest(fixture('unset-variable.yaml'), { env: { KAFKA_HOST: 'k1' } });
    assert.equal(manifest.broker, 'kafka://k1:9092');
  });

  it('reports a missing handler file at the handler reference, suggesting a sibling file', async () => {
    const error = await loadFailure('missing-handler.yaml');
    const problem = problemAt(error, 'agents.count.handler');
    assert.equal(at(problem), '8:14');
    assert.equal(problem.message, 'handler module "./handlers/page-view.ts" does not exist');
    assert.equal(problem.hint, 'did you mean "page-views.ts"?');
  });

  it('reports a duplicate agent name at the second declaration', async () => {
    const error = await loadFailure('duplicate-agent.yaml');
    const [problem] = error.problems;
    assert.equal(problem && at(problem), '7:3');
    assert.equal(problem?.message, '"count" is declared twice in this mapping');
  });

  it('reports a manifest file that does not exist, YAML or TypeScript, without a position', async () => {
    const missing = await loadFailure('no-such-manifest.yaml');
    assert.deepEqual(missing.problems.map((p) => [p.line, p.message]), [[0, 'manifest file does not exist']]);
    const typescript = await loadFailure('app.ts');
    assert.deepEqual(typescript.problems.map((p) => [p.line, p.message]), [[0, 'manifest file does not exist']]);
  });

  it('is a ConfigError with code STREAMD_MANIFEST whose message is the formatted problems', async () => {
    const error = await loadFailure('wrong-type.yaml');
    assert.ok(error instanceof ConfigError);
    assert.ok(hasCode(error, 'STREAMD_MANIFEST'));
    assert.match(error.message, /wrong-type\.yaml:5:17: topics\.page_views\.partitions: must be an integer/);
  });
});

describe('semantic checks', () => {
  it('finds every problem of a manifest in one load, in line order', async () => {
    const error = await loadFailure('many-problems.yaml');
    assert.deepEqual(
      error.problems.map((p) => `${at(p)} ${p.path}`),
      [
        '7:13 models.Click.properties.id.tpye',
        '9:24 topics.clicks.valueType',
        '13:46 tables.per_minute.window.step',
        '18:13 agents.count.sinks[0]',
        '20:20 crontabs.nightly.cron',
        '23:13 views[1].path',
        '24:84 views[2].routeBy.table',
      ],
    );
    assert.equal(problemAt(error, 'views[2].routeBy.table').hint, 'did you mean "per_minute"?');
    assert.equal(problemAt(error, 'models.Click.properties.id.tpye').hint, 'did you mean "type"?');
    assert.equal(problemAt(error, 'topics.clicks.valueType').hint, 'did you mean "Click"?');
    assert.equal(problemAt(error, 'agents.count.sinks[0]').hint, 'did you mean "clicks"?');
    assert.equal(problemAt(error, 'crontabs.nightly.cron').message, '"25" is out of range for the hour field (0-23)');
    assert.equal(problemAt(error, 'views[1].path').message, 'GET /pages/:id is already a view (views[0], line 22)');
  });

  it('checks models against the meta-schema, windows, defaults, timers, time zones, settings, views and sinks', async () => {
    const error = await loadFailure('more-problems.yaml');
    assert.deepEqual(
      error.problems.map((p) => `${at(p)} ${p.path}`),
      [
        '6:30 settings.brokerHeartbeatIntervalMs',
        '7:17 settings.producerAcks',
        '10:11 models.Order.type',
        '15:25 tables.members.default',
        '16:13 tables.hourly.window',
        '17:42 tables.counts.default',
        '22:13 agents.totals.sinks[0]',
        '24:24 timers.monthly.interval',
        '26:43 crontabs.nightly.timezone',
        '28:13 views[0].path',
        '29:26 views[1].handler',
      ],
    );
    assert.equal(problemAt(error, 'models.Order.type').hint, 'did you mean "string"?');
    assert.equal(problemAt(error, 'crontabs.nightly.timezone').hint, 'did you mean "Europe/Oslo"?');
    assert.equal(problemAt(error, 'views[1].handler').message, '"./handlers/views.ts" names no export');
    // exactly_once itself is accepted; only its producerAcks is a problem.
    assert.equal(error.problems.some((p) => p.path === 'processingGuarantee'), false);
    assert.equal(problemAt(error, 'settings.producerAcks').message, 'exactly_once needs producerAcks -1, not 1');
    assert.match(error.format({ cwd }), /… and 1 more problem$/);
  });

  it('checks windowed tables: step > size, an unknown relativeTo field, session with hopping options, a zero size, emit without sink, onWindowClose without window', async () => {
    const error = await loadFailure('window-problems.yaml');
    assert.deepEqual(
      error.problems.map((p) => `${at(p)} ${p.path}`),
      [
        '8:55 tables.hopping.window.step',
        '9:72 tables.by_field.window.relativeTo.field',
        '10:49 tables.sessions.window.size',
        '10:59 tables.sessions.window.step',
        '11:44 tables.empty.window.size',
        '12:50 tables.no_sink.window.emit',
        '13:12 tables.plain.onWindowClose',
      ],
    );
    assert.equal(problemAt(error, 'tables.hopping.window.step').message, 'step (300000ms) is longer than size (60000ms): events between windows would be dropped');
    assert.equal(problemAt(error, 'tables.by_field.window.relativeTo.field').hint, 'did you mean "viewedAt"?');
    assert.equal(problemAt(error, 'tables.sessions.window.step').hint, 'a session window takes gap');
  });
});
