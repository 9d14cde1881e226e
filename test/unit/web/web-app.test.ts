// The web app's read endpoints and its error answers for unknown routes and methods: health,
// readiness both ways, metrics with Prometheus' content type, agents and topology.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTopologyText } from '../../../src/web/topology-text.js';
import type { WebAppOptions } from '../../../src/web/index.js';
import { FakeWorker, call, serve, type Served } from './fixture.js';

async function withApp(worker: FakeWorker, test: (served: Served) => Promise<void>, options: Partial<WebAppOptions> = {}): Promise<void> {
  const served = await serve(worker, options);
  try {
    await test(served);
  } finally {
    await served.close();
  }
}

describe('web app: probes, metrics and topology', () => {
  it('answers /health with 200 ok, ready or not', async () => {
    const worker = new FakeWorker();
    worker.isReadyNow = false;
    await withApp(worker, async ({ port }) => {
      const reply = await call(port, 'GET', '/health');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, { status: 'ok' });
      assert.match(String(reply.headers['content-type']), /^application\/json/);
    });
  });

  it('answers /ready with 200 when the worker is ready and 503 STREAMD_NOT_READY with the recovery progress when not', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      assert.equal((await call(port, 'GET', '/ready')).status, 200);
      worker.isReadyNow = false;
      worker.recovering = [
        { table: 'counts', partition: 0, records: 1200, remaining: 800, ratePerSecond: 600 },
        { table: 'counts', partition: 3, records: 0, remaining: 200, ratePerSecond: 0 },
      ];
      const reply = await call(port, 'GET', '/ready');
      assert.equal(reply.status, 503);
      const body = reply.json as { code: string; message: string; phase: string; recovering: unknown[] };
      assert.equal(body.code, 'STREAMD_NOT_READY');
      assert.equal(body.message, 'the worker is recovering its tables from their changelogs: 2 table partitions, 1000 changelog records to go');
      assert.equal(body.phase, 'recovering');
      assert.deepEqual(body.recovering, worker.recovering);
    });
  });

  it('serves /metrics as Prometheus text with the registry content type', async () => {
    await withApp(new FakeWorker(), async ({ port }) => {
      const reply = await call(port, 'GET', '/metrics');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      assert.match(reply.text, /^streamd_up 1$/m);
    });
  });

  it('serves /agents and /topology from worker.topology()', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      assert.deepEqual((await call(port, 'GET', '/agents')).json, worker.topology().agents);
      assert.deepEqual((await call(port, 'GET', '/topology')).json, worker.topology());
    });
  });

  it('serves /topology as text with ?format=text or when Accept prefers text/plain, and as JSON otherwise', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      const expected = renderTopologyText(worker.topology());
      for (const [path, headers] of [['/topology?format=text', {}], ['/topology', { Accept: 'text/plain' }], ['/topology', { Accept: 'application/json;q=0.5, text/plain' }]] as const) {
        const reply = await call(port, 'GET', path, { headers });
        assert.equal(reply.status, 200);
        assert.match(String(reply.headers['content-type']), /^text\/plain/);
        assert.equal(reply.text, expected);
      }
      for (const [path, headers] of [['/topology', {}], ['/topology', { Accept: '*/*' }], ['/topology?format=json', { Accept: 'text/plain' }], ['/topology', { Accept: 'application/json, text/plain' }]] as const) {
        const reply = await call(port, 'GET', path, { headers });
        assert.match(String(reply.headers['content-type']), /^application\/json/);
        assert.deepEqual(reply.json, worker.topology());
      }
      for (const path of ['/topology?format=xml', '/topology?format=text&format=json']) {
        const reply = await call(port, 'GET', path);
        assert.equal(reply.status, 400);
        assert.equal((reply.json as { code: string }).code, 'STREAMD_BAD_REQUEST');
      }
    });
  });

  it('answers an unknown route with 404 STREAMD_NOT_FOUND as JSON', async () => {
    await withApp(new FakeWorker(), async ({ port }) => {
      const reply = await call(port, 'GET', '/nope');
      assert.equal(reply.status, 404);
      assert.equal((reply.json as { code: string }).code, 'STREAMD_NOT_FOUND');
      assert.match((reply.json as { message: string }).message, /GET \/nope/);
    });
  });

  it('answers a wrong method with 405 STREAMD_METHOD_NOT_ALLOWED and an Allow header', async () => {
    await withApp(new FakeWorker(), async ({ port }) => {
      const onHealth = await call(port, 'DELETE', '/health');
      assert.equal(onHealth.status, 405);
      assert.equal((onHealth.json as { code: string }).code, 'STREAMD_METHOD_NOT_ALLOWED');
      assert.match(String(onHealth.headers['allow']), /GET/);
      const onIngest = await call(port, 'GET', '/topics/page_views/messages');
      assert.equal(onIngest.status, 405);
      assert.equal(onIngest.headers['allow'], 'POST');
    });
  });

  it('with an auth token, guards every route but GET of the probes and /metrics', async () => {
    const worker = new FakeWorker();
    worker.tableQueries.addTable('counts', [['/home', 3]]);
    await withApp(worker, async ({ port }) => {
      for (const path of ['/health', '/ready', '/metrics']) assert.equal((await call(port, 'GET', path)).status, 200, path);
      for (const path of ['/agents', '/topology', '/tables', '/tables/counts', '/tables/counts/keys/%2Fhome', '/nowhere']) {
        const refused = await call(port, 'GET', path);
        assert.equal(refused.status, 401, path);
        assert.equal((refused.json as { code: string }).code, 'STREAMD_UNAUTHORIZED', path);
        assert.equal(refused.headers['www-authenticate'], 'Bearer realm="streamd"');
      }
      const auth = { authorization: 'Bearer s3cret' };
      assert.equal((await call(port, 'GET', '/topology', { headers: auth })).status, 200);
      const read = await call(port, 'GET', '/tables/counts/keys/%2Fhome', { headers: auth });
      assert.equal(read.status, 200, read.text);
      assert.equal((read.json as { value: unknown }).value, 3);
      assert.equal((await call(port, 'GET', '/topology', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    }, { authToken: 's3cret' });
  });

  it('opens exactly the configured openPaths: [] guards the probes too, and a path listed opens only GET', async () => {
    await withApp(new FakeWorker(), async ({ port }) => {
      for (const path of ['/health', '/ready', '/metrics']) assert.equal((await call(port, 'GET', path)).status, 401, path);
    }, { authToken: 's3cret', openPaths: [] });
    await withApp(new FakeWorker(), async ({ port }) => {
      assert.equal((await call(port, 'GET', '/topology')).status, 200);
      assert.equal((await call(port, 'GET', '/metrics')).status, 401, 'not listed, so guarded');
      assert.equal((await call(port, 'POST', '/topology')).status, 401, 'an open path is open to GET and HEAD only');
    }, { authToken: 's3cret', openPaths: ['/health', '/topology'] });
  });

  it('without an auth token, answers every route without one', async () => {
    await withApp(new FakeWorker(), async ({ port }) => {
      for (const path of ['/health', '/agents', '/topology', '/tables']) assert.equal((await call(port, 'GET', path)).status, 200, path);
    });
  });

  it('answers a failing read with 500 STREAMD_INTERNAL, no stack trace, and logs the error', async () => {
    const worker = new FakeWorker();
    worker.topology = () => {
      throw new TypeError('boom in topology');
    };
    await withApp(worker, async ({ port, errors }) => {
      const reply = await call(port, 'GET', '/topology');
      assert.equal(reply.status, 500);
      assert.equal((reply.json as { code: string }).code, 'STREAMD_INTERNAL');
      assert.doesNotMatch(reply.text, /boom|\bat /);
      assert.equal(errors.length, 1);
      assert.match(JSON.stringify(errors[0]), /boom in topology/);
    });
  });
});
