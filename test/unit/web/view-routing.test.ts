// Views declared with `routeBy` (Faust's table_route) across two real WebServers: a request sent to
// the worker that does not own the key runs on the owner (path or query parameter, GET or POST with
// its body and token), the answer names the owner, and the hop guard and an unreachable owner give
// the documented 503 and 502.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ViewDeclaration } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import type { TimerContextParts } from '../../../src/timers/index.js';
import { respond, type View } from '../../../src/index.js';
import { WebServer, createWebApp } from '../../../src/web/index.js';
import { ViewRuntime, viewName } from '../../../src/worker/index.js';
import { findFreePorts } from '../../kafka/free-ports.js';
import { FakeWorker, call } from './fixture.js';

const log = pino({ level: 'silent' });
const TOKEN = 'secret';
const location = { file: 'app.yaml', line: 1, column: 1, path: 'views' };
const routeBy = { table: 'page_counts', param: 'page' };
const parts: TimerContextParts = { topics: {}, agents: {}, tables: () => ({}), isLeader: () => false };

function declare(method: ViewDeclaration['method'], path: string): ViewDeclaration {
  return { method, path, routeBy, handler: { kind: 'function', fn: () => undefined, text: 'fn', location }, location } as unknown as ViewDeclaration;
}

/** A worker whose views say which worker ran them. */
class RoutedWorker extends FakeWorker {
  readonly views: ViewRuntime;

  constructor(readonly name: string, url: string) {
    super(url);
    const page: View = (request) => ({ ranOn: name, page: request.params['page'] ?? request.query['page'] });
    const note: View = (request) => respond(201, { ranOn: name, page: request.params['page'], note: request.body });
    const views: [ViewDeclaration, View][] = [
      [declare('GET', '/pages/:page'), page],
      [declare('GET', '/lookup'), page],
      [declare('POST', '/pages/:page/notes'), note],
    ];
    this.views = new ViewRuntime(views.map(([d]) => d), new Map(views.map(([d, v]) => [viewName(d), v])), () => parts, new WorkerMetrics({ withDefaults: false }));
    this.tableQueries.addTable('page_counts', [], { localPartitions: [] });
  }
}

async function withTwoWorkers(test: (a: RoutedWorker & { port: number }, b: RoutedWorker & { port: number; server: WebServer }) => Promise<void>): Promise<void> {
  const [portA, portB] = (await findFreePorts(2)) as [number, number];
  const a = Object.assign(new RoutedWorker('a', `http://127.0.0.1:${portA}`), { port: portA });
  const b = Object.assign(new RoutedWorker('b', `http://127.0.0.1:${portB}`), { port: portB });
  // Every key lives in partition 1, held by b.
  a.tableQueries.locateAs = () => ({ partition: 1, isLocal: false, ownerUrl: b.tableQueries.url });
  b.tableQueries.locateAs = () => ({ partition: 1, isLocal: true, ownerUrl: b.tableQueries.url });
  const serverA = new WebServer({ callback: createWebApp({ worker: a, log, authToken: TOKEN, proxyTimeoutMs: 2000 }), host: '127.0.0.1', port: portA, logger: log });
  const serverB = new WebServer({ callback: createWebApp({ worker: b, log, authToken: TOKEN }), host: '127.0.0.1', port: portB, logger: log });
  try {
    await serverA.start();
    await serverB.start();
    await test(a, Object.assign(b, { server: serverB }));
  } finally {
    await serverA.stop();
    await serverB.stop();
  }
}

/** Every view needs the token; a forwarded request carries it to the owner, which checks it again. */
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe('views routed to the owner of a table key', () => {
  it('runs a GET view on the owner of its path or query parameter and names the owner', async () => {
    await withTwoWorkers(async (a, b) => {
      for (const path of [`/pages/${encodeURIComponent('/home')}`, `/lookup?page=${encodeURIComponent('/home')}`]) {
        const forwarded = await call(a.port, 'GET', path, { headers: AUTH });
        assert.equal(forwarded.status, 200, path);
        assert.deepEqual(forwarded.json, { ranOn: 'b', page: '/home' }, path);
        assert.equal(forwarded.headers['x-streamd-served-by'], b.tableQueries.url);
        const direct = await call(b.port, 'GET', path, { headers: AUTH });
        assert.deepEqual([direct.json, direct.headers['x-streamd-served-by']], [{ ranOn: 'b', page: '/home' }, b.tableQueries.url]);
      }
    });
  });

  it('forwards a POST view with its body and token, and relays the status and headers', async () => {
    await withTwoWorkers(async (a) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
      const reply = await call(a.port, 'POST', '/pages/home/notes', { body: JSON.stringify({ text: 'hi' }), headers });
      assert.equal(reply.status, 201);
      assert.deepEqual(reply.json, { ranOn: 'b', page: 'home', note: { text: 'hi' } });
      const refused = await call(a.port, 'POST', '/pages/home/notes', { body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(refused.status, 401, 'the token is checked before anything is forwarded');
      assert.equal((refused.json as { code: string }).code, 'STREAMD_UNAUTHORIZED');
    });
  });

  it('answers 400 without the key parameter, 503 when the owner says it is not the owner, 502 when the owner is down', async () => {
    await withTwoWorkers(async (a, b) => {
      const missing = await call(a.port, 'GET', '/lookup', { headers: AUTH });
      assert.deepEqual([missing.status, (missing.json as { code: string }).code], [400, 'STREAMD_BAD_REQUEST']);
      b.tableQueries.locateAs = () => ({ partition: 1, isLocal: false, ownerUrl: a.tableQueries.url });
      const moved = await call(a.port, 'GET', '/pages/home', { headers: AUTH });
      assert.deepEqual([moved.status, (moved.json as { code: string }).code], [503, 'STREAMD_NOT_READY']);
      await b.server.stop();
      const down = await call(a.port, 'GET', '/pages/home', { headers: AUTH });
      assert.deepEqual([down.status, (down.json as { code: string }).code], [502, 'STREAMD_OWNER_UNREACHABLE']);
    });
  });
});
