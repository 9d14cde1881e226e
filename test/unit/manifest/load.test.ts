// loadManifest on good manifests: the normalised Manifest, defaults applied, interpolation, and the
// precedence flag > STREAMD_<SETTING> > manifest > config/defaults.yaml.

import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadManifest, ManifestError, type HandlerReference, type ModuleHandlerReference } from '../../../src/manifest/index.js';
import { at, fixture, loadFailure } from './fixtures.js';

const app = fixture('app.yaml');
const handlers = join(dirname(app), 'handlers');

/** A YAML manifest's handler references are always module references. */
function moduleRef(handler: HandlerReference | undefined): ModuleHandlerReference | undefined {
  if (handler === undefined) return undefined;
  assert.equal(handler.kind, 'module');
  return handler;
}

describe('web.openPaths', () => {
  it('defaults to the probes and /metrics, and takes a comma-separated list from STREAMD_WEB_OPEN_PATHS', async () => {
    assert.deepEqual((await loadManifest(app, { env: {} })).web.openPaths, ['/health', '/ready', '/metrics']);
    assert.deepEqual((await loadManifest(app, { env: { STREAMD_WEB_OPEN_PATHS: '/health, /ready' } })).web.openPaths, ['/health', '/ready']);
    assert.deepEqual((await loadManifest(app, { env: { STREAMD_WEB_OPEN_PATHS: '' } })).web.openPaths, []);
  });
});

describe('channels, sinks and codec chains', () => {
  it('reads channels, a channel-fed agent, agent and function sinks, and codec chains', async () => {
    const manifest = await loadManifest(fixture('channels-ok.yaml'), { env: {} });
    assert.deepEqual(manifest.channels.get('items')?.valueType, { kind: 'model', name: 'Item' });
    assert.equal(manifest.channels.get('loose')?.valueType, undefined);
    const price = manifest.agents.get('price');
    assert.equal(price?.channel, 'items');
    assert.deepEqual(price?.topics, []);
    const sinks = manifest.agents.get('fan_out')?.sinks ?? [];
    assert.deepEqual(sinks.map((s) => [s.kind, s.name]), [['agent', 'price'], ['handler', './handlers/page-views.ts#countPageViews'], ['topic', 'orders']]);
    const fn = sinks[1];
    assert.ok(fn?.kind === 'handler' && fn.handler.kind === 'module');
    assert.equal(fn.handler.file, join(handlers, 'page-views.ts'));
    assert.equal(fn.handler.exportName, 'countPageViews');
    const orders = manifest.topics.get('orders');
    assert.equal(orders?.valueSerializer, 'json');
    assert.deepEqual(orders?.valueByteCodecs, ['gzip']);
    assert.equal(orders?.keySerializer, 'raw');
    assert.deepEqual(orders?.keyByteCodecs, ['binary']);
  });
});

describe('loading a model with coerce: true', () => {
  it('accepts the keyword and keeps it in the model schema for the topic boundary', async () => {
    const manifest = await loadManifest(fixture('coerce-model.yaml'), { env: {} });
    assert.equal(manifest.models.get('Order')?.schema['coerce'], true);
  });
});

describe('loading a manifest with every kind of declaration', () => {
  it('normalises topics, tables, agents, timers, crontabs, tasks and views', async () => {
    const manifest = await loadManifest(app, { env: {} });
    assert.equal(manifest.sourcePath, app);
    assert.equal(manifest.id, 'page-views');
    assert.equal(manifest.broker, 'memory://');
    assert.equal(manifest.datadir, join(dirname(app), 'data'));

    const pageViews = manifest.topics.get('page_views');
    assert.deepEqual(pageViews?.keyType, { kind: 'builtin', name: 'string' });
    assert.deepEqual(pageViews?.valueType, { kind: 'model', name: 'PageView' });
    assert.equal(pageViews?.partitions, 4);
    assert.deepEqual(manifest.models.get('PageView')?.schema['required'], ['id', 'user']);

    const windowed = manifest.tables.get('views_per_minute');
    assert.deepEqual(windowed?.window, { type: 'tumbling', sizeMs: 60_000, expiresMs: 3_600_000, graceMs: 0, idleCloseMs: 30_000, relativeTo: { kind: 'stream' }, emit: 'final' });
    assert.equal(manifest.tables.get('page_counts')?.defaultValue, 0);

    const agent = manifest.agents.get('count_page_views');
    assert.deepEqual(agent?.topics, ['page_views']);
    assert.deepEqual(agent?.sinks, [{ kind: 'topic', name: 'page_counts_out' }]);
    assert.equal(moduleRef(agent?.handler)?.file, join(handlers, 'page-views.ts'));
    assert.equal(moduleRef(agent?.handler)?.exportName, 'countPageViews');
    assert.equal(agent && at(agent.handler.location), '28:14');
    assert.equal(agent && at(agent.location), '26:3');

    assert.equal(manifest.timers.get('report')?.intervalMs, 10_000);
    assert.equal(manifest.timers.get('report')?.isLeaderOnly, true);
    assert.equal(manifest.crontabs.get('nightly')?.timezone, 'Europe/Oslo');
    assert.equal(moduleRef(manifest.tasks.get('warm_up')?.handler)?.file, join(handlers, 'report.ts'));
    assert.deepEqual(manifest.views.map((v) => [v.method, v.path, moduleRef(v.handler)?.exportName]), [['GET', '/pages/:page', 'page']]);
  });

  it('applies the defaults of config/defaults.yaml to what the manifest leaves out', async () => {
    const manifest = await loadManifest(app, { env: {} });
    assert.equal(manifest.settings.commitLivelockSoftTimeoutMs, 300_000);
    assert.equal(manifest.settings.brokerSessionTimeoutMs, 60_000);
    assert.equal(manifest.settings.producerAcks, -1);
    assert.equal(manifest.processingGuarantee, 'at_least_once');
    const out = manifest.topics.get('page_counts_out');
    assert.deepEqual(out?.keyType, { kind: 'builtin', name: 'bytes' });
    assert.equal(out?.keySerializer, 'raw');
    assert.equal(out?.valueSerializer, 'json');
    assert.deepEqual(out?.valueByteCodecs, []);
    assert.equal(out?.onDecodeError, 'skip');
    assert.equal(out?.partitions, undefined);
    assert.equal(manifest.tables.get('views_per_minute')?.keyType.name, 'string');
    assert.equal(manifest.tables.get('page_counts')?.standbyReplicas, 1);
    assert.equal(manifest.agents.get('count_page_views')?.hasIsolatedPartitions, false);
    assert.equal(manifest.tasks.get('warm_up')?.isLeaderOnly, false);
  });
});

describe('interpolation', () => {
  const interpolation = fixture('interpolation.yaml');

  it('uses defaults for unset variables and types unquoted results', async () => {
    const manifest = await loadManifest(interpolation, { env: {} });
    assert.equal(manifest.id, 'interpolated');
    assert.equal(manifest.web.port, 7070);
    assert.equal(manifest.web.host, '127.0.0.1');
    assert.equal(manifest.web.authToken, undefined);
    assert.equal(manifest.settings.commitIntervalMs, 5000);
    assert.equal(manifest.topics.get('events')?.partitions, 3);
    assert.equal(manifest.topics.get('events')?.config['description'], 'costs ${PRICE} per event');
  });

  it('keeps a quoted result a string even when it reads as a number', async () => {
    const manifest = await loadManifest(interpolation, { env: {} });
    assert.equal(manifest.settings.brokerClientId, '42');
  });

  it('uses the variables that are set', async () => {
    const env = { APP_ID: 'from-env', PORT: '8080', HOST: '10.0.0.1', TOKEN: 's3cret', COMMIT_INTERVAL: '750', PARTITIONS: '12', UNIT: 'click' };
    const manifest = await loadManifest(interpolation, { env });
    assert.equal(manifest.id, 'from-env');
    assert.equal(manifest.web.port, 8080);
    assert.equal(manifest.web.host, '10.0.0.1');
    assert.equal(manifest.web.authToken, 's3cret');
    assert.equal(manifest.settings.commitIntervalMs, 750);
    assert.equal(manifest.topics.get('events')?.partitions, 12);
    assert.equal(manifest.topics.get('events')?.config['description'], 'costs ${PRICE} per click');
  });

  it('reports a wrong type at the interpolated scalar', async () => {
    const error = await loadFailure('interpolation.yaml', { env: { PARTITIONS: 'many' } });
    const [problem] = error.problems;
    assert.equal(problem?.path, 'topics.events.partitions');
    assert.equal(problem?.message, 'must be an integer, got "many"');
    assert.equal(problem && at(problem), '14:17');
  });
});

describe('precedence: flag > environment > manifest > defaults', () => {
  it('lets STREAMD_<SETTING> override the manifest and the defaults', async () => {
    const env = { STREAMD_COMMIT_INTERVAL_MS: '1000', STREAMD_WEB_PORT: '7000', STREAMD_PRODUCER_LINGER_MS: '5ms', STREAMD_TOPIC_ALLOW_DECLARE: 'false' };
    const manifest = await loadManifest(app, { env });
    assert.equal(manifest.settings.commitIntervalMs, 1000);
    assert.equal(manifest.web.port, 7000);
    assert.equal(manifest.settings.producerLingerMs, 5);
    assert.equal(manifest.settings.topicAllowDeclare, false);
    assert.equal(manifest.settings.commitEvery, 10_000);
  });

  it('lets a flag override the environment, and coerces string flags', async () => {
    const manifest = await loadManifest(app, {
      env: { STREAMD_COMMIT_INTERVAL_MS: '1000', STREAMD_WEB_PORT: '7000' },
      overrides: { commitIntervalMs: 500, webPort: '7100', processingGuarantee: 'exactly_once' },
    });
    assert.equal(manifest.settings.commitIntervalMs, 500);
    assert.equal(manifest.web.port, 7100);
    assert.equal(manifest.processingGuarantee, 'exactly_once');
  });

  it('resolves a datadir from the environment against the working directory, not the manifest', async () => {
    const fromEnv = await loadManifest(app, { env: { STREAMD_DATADIR: 'state' }, cwd: '/var/lib/streamd' });
    assert.equal(fromEnv.datadir, '/var/lib/streamd/state');
    const fromManifest = await loadManifest(app, { env: {}, cwd: '/var/lib/streamd' });
    assert.equal(fromManifest.datadir, join(dirname(app), 'data'));
  });

  it('never reads process.env itself', async () => {
    process.env['STREAMD_COMMIT_EVERY'] = '7';
    try {
      const manifest = await loadManifest(app, { env: {} });
      assert.equal(manifest.settings.commitEvery, 10_000);
    } finally {
      delete process.env['STREAMD_COMMIT_EVERY'];
    }
  });

  it('names the environment variable when its value is invalid', async () => {
    const error = await loadFailure('app.yaml', { env: { STREAMD_WEB_PORT: 'eighty' } });
    assert.deepEqual(
      error.problems.map(({ file, line, path, message }) => ({ file, line, path, message })),
      [{ file: 'environment variable STREAMD_WEB_PORT', line: 0, path: 'web.port', message: 'must be an integer, got "eighty"' }],
    );
  });

  it('rejects a flag that names no setting, suggesting the near one', async () => {
    const overrides: Record<string, unknown> = { commitIntervalMS: 5 };
    const error = await loadFailure('app.yaml', { overrides });
    assert.equal(error.problems[0]?.file, 'flag commitIntervalMS');
    assert.equal(error.problems[0]?.hint, 'did you mean "commitIntervalMs"?');
    assert.ok(error instanceof ManifestError);
  });
});

describe('settings that contradict each other', () => {
  it('blames the setting the user changed, not the default it collides with', async () => {
    const error = await loadFailure('app.yaml', { env: { STREAMD_BROKER_SESSION_TIMEOUT_MS: '2s' } });
    assert.deepEqual(
      error.problems.map(({ file, path }) => ({ file, path })),
      [{ file: 'environment variable STREAMD_BROKER_SESSION_TIMEOUT_MS', path: 'settings.brokerSessionTimeoutMs' }],
    );
    assert.match(error.problems[0]?.message ?? '', /heartbeat interval \(3000ms\) must be shorter than the session timeout \(2000ms\)/);
  });
});

describe('table hooks', () => {
  it('reads onKeySet, onKeyDel and onChangelogEvent as handler references, and refuses them on a windowed table', async () => {
    const error = await loadFailure('table-hooks.yaml');
    assert.deepEqual(error.problems.map((p) => [p.path, p.message]), [['tables.per_minute.onKeySet', 'onKeySet is not available on a windowed table: its keys carry windows']]);
    const manifest = error.partial!;
    const hooks = manifest.tables.get('counts')?.hooks ?? {};
    assert.deepEqual(Object.keys(hooks), ['onKeySet', 'onKeyDel', 'onChangelogEvent']);
    assert.equal(moduleRef(hooks.onChangelogEvent)?.file, join(handlers, 'page-views.ts'));
    assert.equal(moduleRef(hooks.onKeySet)?.exportName, 'countPageViews');
    assert.equal(manifest.tables.get('plain')?.hooks, undefined, 'a table without hooks has none');
  });
});
