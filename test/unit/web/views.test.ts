// The manifest's views through createWebApp: path and query parameters, JSON bodies, respond(),
// handler errors (500 STREAMD_VIEW_FAILED and the metric, or the handler's own 4xx), the bearer
// token on mutating views, and JSON 404s. The worker is the web fake with a real ViewRuntime.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ViewDeclaration } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import type { TimerContextParts } from '../../../src/timers/index.js';
import { respond, type View } from '../../../src/index.js';
import { ViewRuntime, viewName } from '../../../src/worker/index.js';
import { FakeWorker, call, codedError, serve, type Served } from './fixture.js';

const location = { file: 'app.yaml', line: 1, column: 1, path: 'views' };

function declare(method: ViewDeclaration['method'], path: string): ViewDeclaration {
  return { method, path, handler: { kind: 'function', fn: () => undefined, text: 'fn', location }, location } as unknown as ViewDeclaration;
}

const counts = new Map<string, number>([['/home', 3], ['/about', 1], ['/a/b', 7]]);
const parts: TimerContextParts = {
  topics: {},
  agents: {},
  tables: () => ({ page_counts: { get: (key: string) => Promise.resolve(counts.get(key) ?? 0) } }) as unknown as ReturnType<TimerContextParts['tables']>,
  isLeader: () => true,
};

class ViewWorker extends FakeWorker {
  readonly viewMetrics = new WorkerMetrics({ withDefaults: false });
  readonly views: ViewRuntime;

  constructor(views: [ViewDeclaration, View][]) {
    super();
    this.views = new ViewRuntime(views.map(([d]) => d), new Map(views.map(([d, v]) => [viewName(d), v])), () => parts, this.viewMetrics);
  }
}

const pageView: View = async (request, { tables }) => ({ page: request.params['page'], count: await (tables['page_counts']!.get(request.params['page']) as Promise<number>) });
const echo: View = (request) => ({ method: request.method, body: request.body, query: request.query });

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

void describe('views', () => {
  void it('answers a GET view with its path parameter, URL-decoded, and a table read', async () => {
    served = await serve(new ViewWorker([[declare('GET', '/pages/:page'), pageView]]));
    const reply = await call(served.port, 'GET', `/pages/${encodeURIComponent('/home')}`);
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /application\/json/);
    assert.deepEqual(reply.json, { page: '/home', count: 3 });
  });

  void it('hands the query string to the view, a repeated parameter as an array', async () => {
    served = await serve(new ViewWorker([[declare('GET', '/echo'), echo]]));
    const reply = await call(served.port, 'GET', '/echo?prefix=%2Fa&limit=10&tag=x&tag=y');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json, { method: 'GET', query: { prefix: '/a', limit: '10', tag: ['x', 'y'] } });
  });

  void it('parses the JSON body of a POST and answers with respond() status and headers', async () => {
    const create: View = (request) => respond(201, { created: request.body }, { location: '/things/1' });
    served = await serve(new ViewWorker([[declare('POST', '/things'), create]]));
    const reply = await call(served.port, 'POST', '/things', { body: JSON.stringify({ name: 'a' }), headers: { 'content-type': 'application/json' } });
    assert.equal(reply.status, 201);
    assert.equal(reply.headers['location'], '/things/1');
    assert.deepEqual(reply.json, { created: { name: 'a' } });
  });

  void it('answers 204 when the view returns nothing, and a JSON scalar as JSON', async () => {
    served = await serve(new ViewWorker([[declare('DELETE', '/things/:id'), () => undefined], [declare('GET', '/answer'), () => 42]]));
    const deleted = await call(served.port, 'DELETE', '/things/1');
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    const answer = await call(served.port, 'GET', '/answer');
    assert.equal(answer.status, 200);
    assert.equal(answer.json, 42);
  });

  void it('refuses a body that is not JSON with 400 STREAMD_BAD_JSON, and one over the limit with 413', async () => {
    let calls = 0;
    served = await serve(new ViewWorker([[declare('PUT', '/things/:id'), () => ++calls]]), { bodyLimitBytes: 64 });
    const bad = await call(served.port, 'PUT', '/things/1', { body: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.equal((bad.json as { code: string }).code, 'STREAMD_BAD_JSON');
    const large = await call(served.port, 'PUT', '/things/1', { body: JSON.stringify({ text: 'x'.repeat(100) }) });
    assert.equal(large.status, 413);
    assert.equal((large.json as { code: string }).code, 'STREAMD_BODY_TOO_LARGE');
    assert.equal(calls, 0, 'the handler never ran');
  });

  void it('answers a throwing view 500 STREAMD_VIEW_FAILED without its message, logs it and counts it', async () => {
    const worker = new ViewWorker([[declare('GET', '/boom'), () => Promise.reject(new Error('secret detail'))]]);
    served = await serve(worker);
    const reply = await call(served.port, 'GET', '/boom');
    assert.equal(reply.status, 500);
    assert.equal((reply.json as { code: string }).code, 'STREAMD_VIEW_FAILED');
    assert.doesNotMatch(reply.text, /secret detail|at /);
    assert.equal(served.errors.some((line) => JSON.stringify(line).includes('secret detail')), true, 'the message is in the log');
    const { body } = await worker.viewMetrics.expose();
    assert.match(body, /streamd_view_errors_total\{view="GET \/boom"\} 1/);
  });

  void it('answers an error with a 4xx status and a code as that status, uncounted', async () => {
    const worker = new ViewWorker([[declare('GET', '/pages/:page'), () => { throw codedError('APP_NO_SUCH_PAGE', 'no page "x"', { status: 404 }); }]]);
    served = await serve(worker);
    const reply = await call(served.port, 'GET', '/pages/x');
    assert.equal(reply.status, 404);
    assert.deepEqual(reply.json, { code: 'APP_NO_SUCH_PAGE', message: 'no page "x"' });
    assert.doesNotMatch((await worker.viewMetrics.expose()).body, /streamd_view_errors_total\{/);
  });

  void it('needs the bearer token on every view, mutating or not', async () => {
    served = await serve(new ViewWorker([[declare('POST', '/things'), echo], [declare('GET', '/echo'), echo]]), { authToken: 's3cret' });
    const body = JSON.stringify({ a: 1 });
    const refused = await call(served.port, 'POST', '/things', { body });
    assert.equal(refused.status, 401);
    assert.equal((refused.json as { code: string }).code, 'STREAMD_UNAUTHORIZED');
    const allowed = await call(served.port, 'POST', '/things', { body, headers: { authorization: 'Bearer s3cret' } });
    assert.equal(allowed.status, 200);
    assert.deepEqual((allowed.json as { body: unknown }).body, { a: 1 });
    assert.equal((await call(served.port, 'GET', '/echo')).status, 401);
    assert.equal((await call(served.port, 'GET', '/echo', { headers: { authorization: 'Bearer s3cret' } })).status, 200);
  });

  void it('answers a path no view or route serves with a JSON 404', async () => {
    served = await serve(new ViewWorker([[declare('GET', '/pages/:page'), pageView]]));
    const reply = await call(served.port, 'GET', '/nowhere');
    assert.equal(reply.status, 404);
    assert.equal((reply.json as { code: string }).code, 'STREAMD_NOT_FOUND');
    const wrongMethod = await call(served.port, 'POST', '/pages/x', { body: '{}' });
    assert.equal(wrongMethod.status, 405);
  });

  void it('serves the swapped handler from the next request on', async () => {
    const worker = new ViewWorker([[declare('GET', '/version'), () => 1]]);
    served = await serve(worker);
    assert.equal((await call(served.port, 'GET', '/version')).json, 1);
    assert.equal(worker.views.replace('GET /version', () => 2), true);
    assert.equal((await call(served.port, 'GET', '/version')).json, 2);
  });
});
